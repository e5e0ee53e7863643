import { ProoflineError, type ErrorCode } from '../errors.ts';

/**
 * The codes sink failures are reported under, in one place. UNSURE/PENDING: `SINK_WRITE_FAILED` and
 * `SINK_READ_FAILED` are proposed for pipeline/errors.ts (owned by the lead); until they exist,
 * both map to OUTPUT_WRITE_FAILED, and every error sets `retryable` explicitly, so callers that
 * branch on `retryable` need no change when the codes land.
 */
export const SINK_WRITE_CODE: ErrorCode = 'OUTPUT_WRITE_FAILED';
export const SINK_READ_CODE: ErrorCode = 'OUTPUT_WRITE_FAILED';

export type SinkOperation = 'put' | 'get' | 'list' | 'delete' | 'read';

export function sinkError(
  operation: SinkOperation,
  message: string,
  options: { cause: unknown; retryable: boolean; details: Record<string, unknown> },
): ProoflineError {
  const code = operation === 'put' || operation === 'delete' ? SINK_WRITE_CODE : SINK_READ_CODE;
  return new ProoflineError(code, message, { cause: options.cause, retryable: options.retryable, details: { operation, ...options.details } });
}
