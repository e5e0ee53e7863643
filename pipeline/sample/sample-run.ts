import PQueue from 'p-queue';
import { type ErrorCode, ProoflineError } from '../errors.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Problem } from '../schemas/problem.ts';
import { buildCompletionRecord, type ExtractProof } from './completion-record.ts';
import { type PromptTemplate, renderPrompt } from './prompt.ts';
import { type RetryPolicy, retryWithBackoff } from './retry.ts';
import type { SampleCache } from './sample-cache.ts';
import { sendWithLimits } from './send-with-limits.ts';
import type { PreparedRequest, Sampler } from './sampler.ts';
import { type PriceTable, SamplingStats, type SamplingSummary } from './sampling-stats.ts';
import type { TokenLimiter } from './token-rate-limiter.ts';

/** Failures that say the whole run is misconfigured: stop instead of failing every sample the same way. */
const FATAL_CODES: ReadonlySet<ErrorCode> = new Set(['SAMPLER_REQUEST_INVALID', 'SAMPLER_ACCESS_DENIED', 'SAMPLER_MODEL_NOT_FOUND', 'SAMPLE_CACHE_FAILED', 'OUTPUT_WRITE_FAILED', 'CONFIG_INVALID']);

export type SampleRunEvent =
  | { type: 'planned'; total: number; alreadyDone: number }
  | { type: 'written'; record: CompletionRecord }
  | { type: 'retry'; problemId: string; sampleIndex: number; code: ErrorCode; attempt: number; delayMs: number }
  | { type: 'failed'; problemId: string; sampleIndex: number; error: ProoflineError };

export interface SampleRunOptions {
  sampler: Sampler;
  template: PromptTemplate;
  problems: readonly Problem[];
  /** Samples per problem. */
  n: number;
  maxConcurrency: number;
  tokenLimiter: TokenLimiter | null;
  retry: RetryPolicy;
  timeoutMs: number;
  cache: SampleCache | null;
  extract: ExtractProof;
  price: PriceTable | null;
  /** Resume: pairs already in the output are skipped. */
  isDone: (problemId: string, sampleIndex: number) => boolean;
  /** Called once per finished sample, in completion order; a throw stops the run. */
  writeRecord: (record: CompletionRecord) => Promise<void>;
  onEvent?: (event: SampleRunEvent) => void;
  /** Abort = stop starting samples; requests in flight finish (they are paid for) and are written. */
  signal?: AbortSignal;
  /** Injected into the backoff for tests. */
  random?: () => number;
}

export interface SampleRunResult {
  summary: SamplingSummary;
  /** Set when the run stopped early on a non-retryable, run-wide error. */
  fatalError: unknown;
  interrupted: boolean;
}

/** Samples n completions per problem with caching, limits and retries; see SampleRunOptions. */
export async function runSampling(options: SampleRunOptions): Promise<SampleRunResult> {
  const startedAt = performance.now();
  const stats = new SamplingStats();
  const stop = new AbortController(); // fatal error: abort everything in flight
  const emit = options.onEvent ?? (() => {});
  const queue = new PQueue({ concurrency: options.maxConcurrency });
  let fatalError: unknown = null;
  const isStopped = (): boolean => stop.signal.aborted || options.signal?.aborted === true;
  const waitSignal = options.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, options.signal]);

  const pending: PreparedRequest[] = [];
  for (const problem of options.problems) {
    const prompt = renderPrompt(options.template, problem);
    for (let sampleIndex = 0; sampleIndex < options.n; sampleIndex += 1) {
      if (!options.isDone(problem.id, sampleIndex)) pending.push(options.sampler.prepare({ problem, sampleIndex, prompt }));
    }
  }
  const problemsById = new Map(options.problems.map((problem) => [problem.id, problem]));
  stats.plan(options.problems.length * options.n, options.problems.length * options.n - pending.length);
  emit({ type: 'planned', total: options.problems.length * options.n, alreadyDone: options.problems.length * options.n - pending.length });

  const sampleOne = async (request: PreparedRequest): Promise<void> => {
    if (isStopped()) return;
    const useCache = options.cache !== null && options.sampler.isCacheable;
    let completion = useCache ? await options.cache!.get(request.hash) : null;
    const cached = completion !== null;
    if (completion === null) {
      completion = await retryWithBackoff(
        () => sendWithLimits(options.sampler, request, { limiter: options.tokenLimiter, timeoutMs: options.timeoutMs, stopSignal: stop.signal, waitSignal, onRequest: () => stats.recordRequest() }),
        options.retry,
        {
          signal: waitSignal,
          ...(options.random === undefined ? {} : { random: options.random }),
          onRetry: (error, attempt, delayMs) => {
            stats.recordRetry(error.code);
            emit({ type: 'retry', problemId: request.problemId, sampleIndex: request.sampleIndex, code: error.code, attempt, delayMs });
          },
        },
      );
      if (useCache) await options.cache!.set(request.hash, completion);
    }
    const problem = problemsById.get(request.problemId)!;
    const extraction = options.extract(completion.text, problem.formal_statement, problem.header);
    const record = buildCompletionRecord(completion, extraction, { sampler: options.sampler, request, promptVersion: options.template.version, cached });
    await options.writeRecord(record);
    stats.recordWritten(completion, { cached, hasProof: record.proof !== null });
    emit({ type: 'written', record });
  };

  const onFailure = (request: PreparedRequest, error: unknown): void => {
    if (isStopped() && !(error instanceof ProoflineError)) return; // aborted by the stop itself
    if (error instanceof ProoflineError && !FATAL_CODES.has(error.code)) {
      stats.recordFailure(error.code);
      emit({ type: 'failed', problemId: request.problemId, sampleIndex: request.sampleIndex, error });
      return;
    }
    if (fatalError === null) fatalError = error;
    stop.abort(error);
  };

  // Failures are handled inside the queued task, so a fatal stop is in place before the queue starts the next one.
  await Promise.all(pending.map((request) => queue.add(() => sampleOne(request).catch((error: unknown) => onFailure(request, error)))));
  return { summary: stats.summary(options.price, performance.now() - startedAt), fatalError, interrupted: options.signal?.aborted === true };
}
