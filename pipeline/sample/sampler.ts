import type { Problem } from '../schemas/problem.ts';
import type { RenderedPrompt } from './prompt.ts';

/** What to sample: one problem, one sample index, with the prompt already rendered. */
export interface SampleInput {
  problem: Problem;
  /** 0-based index among the n samples of this problem. */
  sampleIndex: number;
  prompt: RenderedPrompt;
}

/** The exact request a sampler will send, built before anything is paid for. */
export interface PreparedRequest {
  problemId: string;
  sampleIndex: number;
  /** sha256 over sampler kind, model, sample index and the wire body: the cache key. */
  hash: string;
  /** Per-sample seed in the body, or null when the backend takes none. */
  seed: number | null;
  /** Tokens to reserve against tokens-per-minute before sending (input estimate + max output). */
  reservedTokens: number;
  /** The wire body (JSON-serialisable), kept for hashing and for `send`. */
  body: unknown;
}

/** What a backend answered for one request. */
export interface Completion {
  text: string;
  /** Reasoning block returned by the API (Bedrock reasoningText, OpenAI reasoning_content). */
  reasoning: string | null;
  /** The API said it redacted reasoning (Bedrock redactedContent). */
  reasoningRedacted: boolean;
  stopReason: string;
  /** The backend's own "ran out of output tokens" signal (`max_tokens`, `length`). */
  truncated: boolean;
  usage: { inputTokens: number; outputTokens: number };
  model: string;
  latencyMs: number;
}

/**
 * A backend that turns prepared requests into completions. `send` makes ONE attempt: it throws a
 * `ProoflineError` (SAMPLER_* codes, `retryable` set) and leaves retries, limits and caching to
 * the sampling run, so every backend gets the same policy and the retries are counted.
 */
export interface Sampler {
  readonly kind: 'bedrock' | 'openai' | 'replay';
  /** The configured model (records use the model the endpoint reports when it reports one). */
  readonly model: string;
  /** Whether completions may be served from the sample cache (false for replay: it is free). */
  readonly isCacheable: boolean;
  prepare(input: SampleInput): PreparedRequest;
  send(request: PreparedRequest, signal: AbortSignal): Promise<Completion>;
  close(): Promise<void>;
}
