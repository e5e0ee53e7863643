import type { ExtractProof } from '../sample/completion-record.ts';
import { buildCompletionRecord } from '../sample/completion-record.ts';
import { type PromptTemplate, renderPrompt } from '../sample/prompt.ts';
import { type RetryPolicy, retryWithBackoff } from '../sample/retry.ts';
import type { SampleCache } from '../sample/sample-cache.ts';
import type { Completion, Sampler } from '../sample/sampler.ts';
import type { SamplingStats } from '../sample/sampling-stats.ts';
import { sendWithLimits } from '../sample/send-with-limits.ts';
import type { TokenLimiter } from '../sample/token-rate-limiter.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Problem } from '../schemas/problem.ts';
import type { Stage } from './stage.ts';

export interface SampleJob {
  problem: Problem;
  sampleIndex: number;
}

export interface SampleStageDeps {
  sampler: Sampler;
  template: PromptTemplate;
  /** Paid answers by request hash: a retried or resumed job never pays twice. */
  cache: SampleCache | null;
  /** This process' TokenRateLimiter, or the cluster's Redis limiter. */
  limiter: TokenLimiter | null;
  retry: RetryPolicy;
  timeoutMs: number;
  extract: ExtractProof;
  stats: SamplingStats;
}

/**
 * Sample stage: one (problem, sample index) → one completion record. The request is prepared
 * before anything is paid for, answered from the sample cache when it can be, else sent with the
 * token limiter, a timeout and jittered retries. A completion without a Lean block is still a
 * record (`proof: null`): the check stage turns it into `rejected/no_proof`, never a drop.
 */
export function createSampleStage(deps: SampleStageDeps): Stage<SampleJob, CompletionRecord> {
  return {
    name: 'sample',
    async run({ problem, sampleIndex }, signal) {
      const request = deps.sampler.prepare({ problem, sampleIndex, prompt: renderPrompt(deps.template, problem) });
      const useCache = deps.cache !== null && deps.sampler.isCacheable;
      const send = () => retryWithBackoff(
        () => sendWithLimits(deps.sampler, request, { limiter: deps.limiter, timeoutMs: deps.timeoutMs, stopSignal: signal, waitSignal: signal, onRequest: () => deps.stats.recordRequest() }),
        deps.retry,
        { signal, onRetry: (error) => deps.stats.recordRetry(error.code) },
      );
      let completion: Completion | null;
      let cached: boolean;
      if (useCache && isSharedCache(deps.cache!)) {
        // A cache shared across processes (cluster mode): one request in flight per hash, however
        // many workers run the same job at once; the others wait for its answer.
        ({ completion, cached } = await deps.cache.getOrSend(request.hash, send));
      } else {
        completion = useCache ? await deps.cache!.get(request.hash) : null;
        cached = completion !== null;
        if (completion === null) {
          completion = await send();
          if (useCache) await deps.cache!.set(request.hash, completion);
        }
      }
      const extraction = deps.extract(completion.text, problem.formal_statement, problem.header);
      const record = buildCompletionRecord(completion, extraction, { sampler: deps.sampler, request, promptVersion: deps.template.version, cached });
      deps.stats.recordWritten(completion, { cached, hasProof: record.proof !== null });
      return record;
    },
  };
}

/** A sample cache that can also hold a request in flight (the cluster's Redis cache: `getOrSend`). */
interface SharedSampleCache extends SampleCache {
  getOrSend(requestHash: string, send: () => Promise<Completion>): Promise<{ completion: Completion; cached: boolean }>;
}

function isSharedCache(cache: SampleCache): cache is SharedSampleCache {
  return typeof (cache as Partial<SharedSampleCache>).getOrSend === 'function';
}
