/**
 * Infrastructure failures. A rejected proof is a `Verdict` value, never one of these: a
 * `ProoflineError` means the machine broke and told us nothing about the proof, so callers retry
 * it (when `retryable`) or report it — they never turn it into reward 0.
 *
 * Codes are a stable API: tests and the README's error table are kept in sync with this list.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, summary: 'The config file or environment does not match the schema.' },
  INPUT_INVALID: { retryable: false, summary: 'An input line (problem, candidate, HTTP body) does not match its schema.' },
  LEAN_NOT_FOUND: { retryable: false, summary: 'No Lean toolchain at PROOFLINE_LEAN_HOME or lean-project/; run `npm run setup:lean`.' },
  LEAN_SPAWN_FAILED: { retryable: true, summary: 'A Lean process (or its sandbox) could not be started.' },
  LEAN_CRASHED: { retryable: true, summary: 'A Lean process died (signal, exit, EOF) before answering.' },
  LEAN_PROTOCOL_ERROR: { retryable: true, summary: 'The Lean REPL answered with an error object or out of protocol.' },
  LEAN_OUTPUT_UNPARSEABLE: { retryable: true, summary: 'Lean printed output that is not the documented JSON or #print axioms format.' },
  LEAN_HEADER_FAILED: { retryable: false, summary: 'The trusted header of a problem does not elaborate; the problem, not the proof, is broken.' },
  SANDBOX_UNAVAILABLE: { retryable: false, summary: 'The configured sandbox driver (bwrap, docker, podman) is not installed or not usable.' },
  CHECKER_CLOSED: { retryable: false, summary: 'The checker was closed while work was still queued.' },
  CHECKER_INTERNAL: { retryable: true, summary: 'An unexpected failure inside the checker (file system, temp space, a bug); retried, then reported — never a verdict.' },
  SAMPLER_THROTTLED: { retryable: true, summary: 'The model endpoint throttled the request (429, ThrottlingException) past the retry budget.' },
  SAMPLER_UNAVAILABLE: { retryable: true, summary: 'The model endpoint was unavailable or failed (5xx, ServiceUnavailable, network) past the retry budget.' },
  SAMPLER_TIMEOUT: { retryable: true, summary: 'The model request exceeded its timeout past the retry budget.' },
  SAMPLER_REQUEST_INVALID: { retryable: false, summary: 'The model endpoint rejected the request as invalid (400, ValidationException).' },
  SAMPLER_ACCESS_DENIED: { retryable: false, summary: 'Credentials are missing or lack access to the model (401/403, AccessDeniedException).' },
  SAMPLER_MODEL_NOT_FOUND: { retryable: false, summary: 'The model id or endpoint does not exist (404, ResourceNotFoundException).' },
  SAMPLER_RESPONSE_INVALID: { retryable: true, summary: 'The model endpoint answered with a body that does not match its wire format.' },
  SAMPLER_MODEL_ERROR: { retryable: false, summary: 'The model failed while generating (Bedrock ModelErrorException, 424); not retried blindly.' },
  SAMPLE_CACHE_FAILED: { retryable: false, summary: 'The sample cache directory cannot be read or written.' },
  RUN_LOCKED: { retryable: true, summary: 'Another process is building the same run (its journal is locked); wait for it to end or pass another --run-id.' },
  OUTPUT_WRITE_FAILED: { retryable: false, summary: 'A local output file cannot be opened or written (permissions, disk full).' },
  REDIS_UNAVAILABLE: { retryable: true, summary: 'Redis, the cluster\'s queue and shared caches, did not answer or lost the run\'s state (cluster mode).' },
  REPLAY_MISSING: { retryable: false, summary: 'The replay sampler has no recorded completion for a requested problem/sample.' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ProoflineErrorOptions {
  cause?: unknown;
  /** Overrides the code's default retryability when the situation says otherwise. */
  retryable?: boolean;
  /** Structured context for logs (never payloads such as proofs or prompts). */
  details?: Record<string, unknown>;
}

export class ProoflineError extends Error {
  override readonly name = 'ProoflineError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ProoflineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; retryable: boolean; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

export function isProoflineError(error: unknown, code?: ErrorCode): error is ProoflineError {
  return error instanceof ProoflineError && (code === undefined || error.code === code);
}
