import { ProoflineError } from '../errors.ts';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryHooks {
  /** Called before each backoff wait, so retries are counted and logged where they happen. */
  onRetry?: (error: ProoflineError, attempt: number, delayMs: number) => void;
  /** Aborting stops waiting; the pending retry is abandoned with the abort reason. */
  signal?: AbortSignal;
  /** Injected for tests: [0, 1). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `attempt` until it succeeds, throws a non-retryable error, or uses up `maxAttempts`; the
 * last error is rethrown with `details.attempts`. Only `ProoflineError`s with `retryable` are
 * retried: anything else is a bug or a decision the backend already made.
 */
export async function retryWithBackoff<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? sleepMs;
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!(error instanceof ProoflineError) || !error.retryable) throw error;
      if (attemptNumber >= policy.maxAttempts || hooks.signal?.aborted) {
        error.details.attempts = attemptNumber;
        throw error;
      }
      const delayMs = backoffDelayMs(policy, attemptNumber, retryAfterMs(error), hooks.random ?? Math.random);
      hooks.onRetry?.(error, attemptNumber, delayMs);
      await sleep(delayMs, hooks.signal);
    }
  }
}

/**
 * Exponential backoff with "equal jitter": half of the capped exponential step is fixed, half is
 * random, so retries never collapse to zero and concurrent clients do not retry in lockstep.
 * A server's Retry-After is honoured as a lower bound (capped at maxDelayMs).
 */
export function backoffDelayMs(policy: RetryPolicy, attemptNumber: number, retryAfter: number | null, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  const jittered = step / 2 + random() * (step / 2);
  const floor = retryAfter === null ? 0 : Math.min(retryAfter, policy.maxDelayMs);
  return Math.round(Math.max(jittered, floor));
}

function retryAfterMs(error: ProoflineError): number | null {
  const value = error.details.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
