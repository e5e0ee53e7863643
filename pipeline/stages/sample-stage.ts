import type { ExtractProof } from '../sample/completion-record.ts';
import { buildCompletionRecord } from '../sample/completion-record.ts';
import { type PromptTemplate, renderPrompt } from '../sample/prompt.ts';
import { type RetryPolicy, retryWithBackoff } from '../sample/retry.ts';
import type { SampleCache } from '../sample/sample-cache.ts';
import type { Sampler } from '../sample/sampler.ts';
import type { SamplingStats } from '../sample/sampling-stats.ts';
import { sendWithLimits } from '../sample/send-with-limits.ts';
import type { TokenRateLimiter } from '../sample/token-rate-limiter.ts';
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
  limiter: TokenRateLimiter | null;
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
      let completion = useCache ? await deps.cache!.get(request.hash) : null;
      const cached = completion !== null;
      if (completion === null) {
        completion = await retryWithBackoff(
          () => sendWithLimits(deps.sampler, request, { limiter: deps.limiter, timeoutMs: deps.timeoutMs, stopSignal: signal, waitSignal: signal, onRequest: () => deps.stats.recordRequest() }),
          deps.retry,
          { signal, onRetry: (error) => deps.stats.recordRetry(error.code) },
        );
        if (useCache) await deps.cache!.set(request.hash, completion);
      }
      const extraction = deps.extract(completion.text, problem.formal_statement, problem.header);
      const record = buildCompletionRecord(completion, extraction, { sampler: deps.sampler, request, promptVersion: deps.template.version, cached });
      deps.stats.recordWritten(completion, { cached, hasProof: record.proof !== null });
      return record;
    },
  };
}
