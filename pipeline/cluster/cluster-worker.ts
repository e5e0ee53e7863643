import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ProoflineError } from '../errors.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Verdict } from '../schemas/verdict.ts';
import type { Sink } from '../sinks/sink.ts';
import type { CheckJob } from '../stages/check-stage.ts';
import type { SampleJob } from '../stages/sample-stage.ts';
import type { Stage } from '../stages/stage.ts';
import {
  type CandidatePart, type CheckJobPayload, CheckJobPayloadSchema, JOB_SCHEMA, PART_SCHEMA, type SampleJobPayload, SampleJobPayloadSchema,
  candidatePartKey, clusterJobId, deadLetterKey, encodeCandidatePart, parseJobPayload,
} from './job-payloads.ts';
import { queuePrefix } from './queue-names.ts';
import { markFinished, recordFailure } from './run-state.ts';

/** Failures that say this worker is misconfigured (no Lean, bad credentials): it stops taking jobs, the job goes back. */
const WORKER_FATAL = new Set(['LEAN_NOT_FOUND', 'SANDBOX_UNAVAILABLE', 'SAMPLER_ACCESS_DENIED', 'SAMPLER_MODEL_NOT_FOUND', 'CONFIG_INVALID']);

export interface JobOptionsConfig {
  attempts: number;
  backoffMs: number;
}

export interface ClusterWorkerOptions {
  /** A queue connection (maxRetriesPerRequest: null) per BullMQ worker is made by `connect`. */
  connect: () => Promise<Redis>;
  /** A command connection for run bookkeeping. */
  redis: Redis;
  namespace: string;
  /** This process' id in heartbeats; BullMQ records it on the jobs it takes (`processedBy`). */
  workerId: string;
  configHash: string;
  sink: Sink;
  role: 'sample' | 'check' | 'all';
  sample: Stage<SampleJob, CompletionRecord> | null;
  check: Stage<CheckJob, Verdict> | null;
  sampleConcurrency: number;
  checkConcurrency: number;
  /** BullMQ lock: a worker that dies has its job moved back to wait this long after its last renewal. */
  lockMs: number;
  jobOptions: JobOptionsConfig;
  logger: Logger;
  signal: AbortSignal;
  onJobDone?: () => void;
}

export function bullJobOptions(jobId: string, options: JobOptionsConfig) {
  return { jobId, attempts: options.attempts, backoff: { type: 'exponential' as const, delay: options.backoffMs }, removeOnComplete: true, removeOnFail: { count: 10_000 } };
}

const asError = (caught: unknown): ProoflineError =>
  caught instanceof ProoflineError ? caught : new ProoflineError('CHECKER_INTERNAL', `Unexpected failure: ${(caught as Error)?.message ?? String(caught)}`, { cause: caught });
const errorRow = (error: ProoflineError) => ({ code: error.code, message: error.message, retryable: error.retryable });
const isLastAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/** A payload that does not parse will not parse on a retry either: failed for good at once (BullMQ's UnrecoverableError). */
function parseOrGiveUp<T>(schema: Parameters<typeof parseJobPayload<T>>[0], job: Job): T {
  try {
    return parseJobPayload(schema, job.id!, job.data);
  } catch (error) {
    throw new UnrecoverableError((error as Error).message);
  }
}

/**
 * A cluster worker: BullMQ workers on the `sample` and/or `check` queues of the namespace, running
 * the same stage handlers as a local build. Every effect is idempotent (docs/cluster.md, "Exactly
 * once"): the part goes to a deterministic key, the follow-on check job has the sample job's id,
 * the done mark is a set member. Resolves when `signal` aborts (jobs in flight finish first) or a
 * worker-fatal error stops it.
 */
export async function runClusterWorker(options: ClusterWorkerOptions): Promise<void> {
  const { namespace, logger } = options;
  const prefix = queuePrefix(namespace);
  const workers: Worker[] = [];
  let fatal: ProoflineError | null = null;
  const stopped = new AbortController();
  const signal = AbortSignal.any([options.signal, stopped.signal]);
  const checkQueue = options.role === 'check' ? null : new Queue('check', { connection: await options.connect(), prefix });

  const deadLetter = async (stage: 'sample' | 'check', job: Job, payload: { run_id: string; problem_seq: number; problem: { id: string }; samples: { from: number; to: number } }, error: { code: string; message: string; retryable: boolean }): Promise<void> => {
    const letter = {
      schema: JOB_SCHEMA, run_id: payload.run_id, stage, job_id: job.id!, problem_seq: payload.problem_seq, problem_id: payload.problem.id,
      samples: payload.samples, error, attempts: job.attemptsMade + 1, failed_at: new Date().toISOString(),
    };
    await options.sink.put(deadLetterKey(payload.run_id, payload.problem_seq, payload.samples, stage), `${JSON.stringify(letter, null, 2)}\n`);
    await recordFailure(options.redis, namespace, payload.run_id, job.id!, stage, error.code);
  };

  const checkConfig = (jobId: string, payload: { config_hash: string }): void => {
    if (payload.config_hash !== options.configHash) {
      throw new ProoflineError('INPUT_INVALID', `Job ${jobId} was enqueued under config hash ${payload.config_hash.slice(0, 12)}…, this worker's config hashes to ${options.configHash.slice(0, 12)}…`, { details: { jobId } });
    }
  };

  const stopOn = (error: ProoflineError): never => {
    fatal ??= error;
    stopped.abort(error);
    throw error; // back to the queue (retried by a healthy worker)
  };

  const sampleProcessor = async (job: Job): Promise<void> => {
    const payload: SampleJobPayload = parseOrGiveUp(SampleJobPayloadSchema, job);
    try {
      checkConfig(job.id!, payload);
    } catch (error) {
      await deadLetter('sample', job, payload, errorRow(asError(error)));
      await markFinished(options.redis, namespace, payload.run_id, job.id!);
      return;
    }
    const indices = Array.from({ length: payload.samples.to - payload.samples.from }, (_, i) => payload.samples.from + i);
    const settled = await Promise.allSettled(indices.map((sampleIndex) => options.sample!.run({ problem: payload.problem, sampleIndex }, signal)));
    const completions: CompletionRecord[] = [];
    const failed: { sample_index: number; error: ReturnType<typeof errorRow> }[] = [];
    settled.forEach((result, offset) => {
      if (result.status === 'fulfilled') completions.push(result.value);
      else failed.push({ sample_index: indices[offset]!, error: errorRow(asError(result.reason)) });
    });
    const firstFatal = settled.find((r) => r.status === 'rejected' && WORKER_FATAL.has(asError(r.reason).code));
    if (firstFatal !== undefined) stopOn(asError((firstFatal as PromiseRejectedResult).reason));
    // Retryable failures go back with backoff: the samples that succeeded are in the shared sample cache.
    if (failed.some((f) => f.error.retryable) && !isLastAttempt(job)) throw asError((settled.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason);
    if (completions.length === 0) {
      await deadLetter('sample', job, payload, failed[0]!.error);
      await markFinished(options.redis, namespace, payload.run_id, job.id!);
      return;
    }
    const check: CheckJobPayload = { ...payload, completions, ...(failed.length > 0 ? { failed_samples: failed } : {}) };
    await checkQueue!.add('check', check, { ...bullJobOptions(clusterJobId(payload.run_id, payload.problem_seq, payload.samples), options.jobOptions) });
  };

  const checkProcessor = async (job: Job): Promise<void> => {
    const payload: CheckJobPayload = parseOrGiveUp(CheckJobPayloadSchema, job);
    try {
      checkConfig(job.id!, payload);
    } catch (error) {
      await deadLetter('check', job, payload, errorRow(asError(error)));
      await markFinished(options.redis, namespace, payload.run_id, job.id!);
      return;
    }
    const settled = await Promise.allSettled(payload.completions.map((completion) => options.check!.run({ problem: payload.problem, completion }, signal)));
    const errors = settled.flatMap((r) => (r.status === 'rejected' ? [asError(r.reason)] : []));
    const firstFatal = errors.find((e) => WORKER_FATAL.has(e.code));
    if (firstFatal !== undefined) stopOn(firstFatal);
    // Verdicts already reached are in the shared verdict cache: the retry checks only the failed ones.
    if (errors.some((e) => e.retryable) && !isLastAttempt(job)) throw errors.find((e) => e.retryable)!;
    const part: CandidatePart = {
      schema: PART_SCHEMA, run_id: payload.run_id, config_hash: payload.config_hash, problem_seq: payload.problem_seq, problem_id: payload.problem.id, samples: payload.samples,
      candidates: payload.completions.map((completion, i) => {
        const result = settled[i]!;
        return { sample_index: completion.sample_index, completion, outcome: result.status === 'fulfilled' ? { kind: 'verdict' as const, verdict: result.value } : { kind: 'error' as const, error: errorRow(asError(result.reason)) } };
      }),
    };
    await options.sink.put(candidatePartKey(payload.run_id, payload.problem_seq, payload.samples), encodeCandidatePart(part));
    if (errors.length > 0) await deadLetter('check', job, payload, errorRow(errors[0]!));
    if ((payload.failed_samples ?? []).length > 0) await deadLetter('sample', job, payload, payload.failed_samples![0]!.error);
    await markFinished(options.redis, namespace, payload.run_id, job.id!);
    options.onJobDone?.();
  };

  const workerOptions = async (concurrency: number) => ({
    connection: await options.connect(), prefix, concurrency, name: options.workerId, lockDuration: options.lockMs, stalledInterval: Math.max(1000, Math.round(options.lockMs / 2)), maxStalledCount: 10,
  });
  // Listeners go on as each worker is made: a worker takes jobs at once, before any later await.
  const listen = (worker: Worker): void => {
    worker.on('failed', (job, error) => {
      logger.warn({ job: job?.id, queue: worker.name, attempts: job?.attemptsMade, code: (error as ProoflineError).code, err: error.message }, 'job failed (retried with backoff if attempts remain)');
      // Failed for good outside the processor's own handling (the sink or Redis failed on the last
      // attempt, a job stalled too often): leave a dead letter when the job names its run, so the
      // run is accounted for (partial) instead of waiting for it forever.
      if (job === undefined || fatal !== null || (job.attemptsMade < (job.opts.attempts ?? 1) && !(error instanceof UnrecoverableError))) return;
      const data = job.data as Partial<SampleJobPayload>;
      if (typeof data?.run_id !== 'string' || typeof data.problem_seq !== 'number' || typeof data.problem?.id !== 'string' || typeof data.samples?.from !== 'number' || typeof data.samples?.to !== 'number') return;
      const code = error instanceof ProoflineError ? error.code : error instanceof UnrecoverableError ? 'INPUT_INVALID' : 'CHECKER_INTERNAL';
      void deadLetter(worker.name as 'sample' | 'check', job, data as SampleJobPayload, { code, message: error.message, retryable: false })
        .then(() => markFinished(options.redis, namespace, data.run_id!, job.id!))
        .catch((cause: unknown) => logger.error({ job: job.id, err: (cause as Error).message }, 'cannot write the dead letter of a job that failed for good'));
    });
    worker.on('error', (error) => logger.warn({ queue: worker.name, err: error.message }, 'worker error'));
  };
  const start = async (queue: 'sample' | 'check', processor: (job: Job) => Promise<void>, concurrency: number): Promise<void> => {
    const worker = new Worker(queue, processor, await workerOptions(concurrency));
    listen(worker);
    workers.push(worker);
  };
  if (options.role !== 'check') await start('sample', sampleProcessor, options.sampleConcurrency);
  if (options.role !== 'sample') await start('check', checkProcessor, options.checkConcurrency);
  logger.info({ namespace, role: options.role }, 'cluster worker started');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.all(workers.map((worker) => worker.close()));
  await checkQueue?.close();
  if (fatal !== null) throw fatal;
}
