import { ProoflineError } from '../errors.ts';
import type { Completion, PreparedRequest, Sampler } from './sampler.ts';
import type { TokenLimiter } from './token-rate-limiter.ts';

export interface SendLimits {
  limiter: TokenLimiter | null;
  /** Wall-clock budget for this attempt, from sending to the parsed answer. */
  timeoutMs: number;
  /** Aborts the request in flight (the run hit a fatal error). */
  stopSignal: AbortSignal;
  /** Aborts waiting for tokens (fatal error or shutdown); a request already sent is left to finish. */
  waitSignal: AbortSignal;
  onRequest: () => void;
}

/**
 * One attempt: reserve tokens-per-minute (input estimate + max output), send with a timeout,
 * settle the reservation to the tokens the backend counted. This is the one place a timeout is
 * named: when our timer fired (and not the run's stop), the attempt fails as SAMPLER_TIMEOUT,
 * whatever abort error the backend's client raised.
 */
export async function sendWithLimits(sampler: Sampler, request: PreparedRequest, limits: SendLimits): Promise<Completion> {
  const reservation = limits.limiter === null ? null : await limits.limiter.acquire(request.reservedTokens, limits.waitSignal);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), limits.timeoutMs);
  limits.onRequest();
  try {
    const completion = await sampler.send(request, AbortSignal.any([timeout.signal, limits.stopSignal]));
    reservation?.settle(completion.usage.inputTokens + completion.usage.outputTokens);
    return completion;
  } catch (error) {
    if (timeout.signal.aborted && !limits.stopSignal.aborted && !(error instanceof ProoflineError && error.code !== 'SAMPLER_TIMEOUT')) {
      throw new ProoflineError('SAMPLER_TIMEOUT', `${sampler.kind} model ${sampler.model} gave no answer for ${request.problemId}#${request.sampleIndex} within ${limits.timeoutMs} ms (sampler.timeout_ms)`, {
        cause: error,
        details: { problemId: request.problemId, sampleIndex: request.sampleIndex, timeoutMs: limits.timeoutMs },
      });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
