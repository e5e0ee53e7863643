import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { validateProblems } from '../build/load-problems.ts';
import { ProoflineError } from '../errors.ts';
import { locateToolchain } from '../lean/locate-toolchain.ts';
import { CHECKER_VERSION } from '../lean/proof-checker.ts';
import { readObjectLines } from '../sinks/read-object-lines.ts';
import type { ClusterConfigContext } from './cluster-setup.ts';
import { bullJobOptions, type JobOptionsConfig } from './cluster-worker.ts';
import { type ClusterFinalizeOutcome, finalizeClusterRun } from './finalize-cluster-run.ts';
import { JOB_SCHEMA, type SampleJobPayload, candidatePartKey, clusterJobId, deadLetterKey, clusterWorkPrefix, decodeCandidatePart } from './job-payloads.ts';
import { encodeProblemList, problemsKey, type ProblemRow, RUN_INFO_SCHEMA, type RunInfo, RunInfoSchema, runInfoKey } from './parts-run-source.ts';
import { queuePrefix } from './queue-names.ts';
import { readRunProgress, redisLost, runKeys } from './run-state.ts';

export interface CoordinatorOptions {
  setup: ClusterConfigContext;
  runId: string;
  problemsUri: string;
  skipInvalid: boolean;
  /** Makes the queue (maxRetriesPerRequest: null) and command connections. */
  queueConnection: Redis;
  redis: Redis;
  namespace: string;
  samplesPerJob: number;
  /** Waiting jobs (sample + check, all runs of the namespace) above which enqueueing pauses. */
  maxQueuedJobs: number;
  jobOptions: JobOptionsConfig;
  pollMs: number;
  /** Redis not answering for this long fails the run (REDIS_UNAVAILABLE). */
  redisGraceMs: number;
  repoRoot: string;
  logger: Logger;
  stderr: NodeJS.WritableStream;
  signal: AbortSignal;
  onProgress?: (finished: number, total: number) => void;
}

export type CoordinatorOutcome = ClusterFinalizeOutcome | { kind: 'invalid_problems' } | { kind: 'interrupted' };

/**
 * `proofline build --cluster`: validates the problems, writes the run's problem list and run.json
 * to the sink (not Redis: they must outlive it), enqueues one sample job per problem and sample
 * range that has no part or dead letter yet (deterministic ids: a restarted coordinator adds
 * nothing twice), pausing while the namespace has `maxQueuedJobs` waiting, follows the run's
 * finished set, and finalizes from the sink when every job is accounted for. A run key gone from
 * Redis (flushed, restarted empty) or Redis not answering stops it with REDIS_UNAVAILABLE; it
 * never finalizes a run the sink does not fully account for.
 */
export async function runCoordinator(options: CoordinatorOptions): Promise<CoordinatorOutcome> {
  const { setup, runId, namespace, redis, logger } = options;
  const { config, hash, sink } = setup;
  const n = config.sampler.n;

  const rows: ProblemRow[] = [];
  const validated = await validateProblems(readObjectLines(options.problemsUri, setup.sinkOptions), (problem) => void rows.push({ seq: rows.length, id: problem.id, json: problem.json }));
  for (const line of validated.invalid.slice(0, 20)) options.stderr.write(`${options.problemsUri}:${line.line}: ${line.problem}\n`);
  if (validated.invalid.length > 20) options.stderr.write(`… and ${validated.invalid.length - 20} more invalid line(s)\n`);
  if (validated.invalid.length > 0 && !options.skipInvalid) {
    options.stderr.write(`${validated.invalid.length} invalid problem line(s); nothing was enqueued. Fix them or pass --skip-invalid to report and skip them.\n`);
    return { kind: 'invalid_problems' };
  }
  if (validated.valid === 0) throw new ProoflineError('INPUT_INVALID', `No valid problem in ${options.problemsUri}`);

  const toolchain = await locateToolchain({ home: config.lean.home, repoRoot: options.repoRoot, extraReadOnlyPaths: [...config.lean.sandbox_read_only_paths] });
  const info: RunInfo = {
    schema: RUN_INFO_SCHEMA, run_id: runId, config_hash: hash, problems_sha256: validated.sha256, problems: rows.length, invalid_problem_lines: validated.invalid.length, n,
    toolchain: { lean: toolchain.leanVersion, mathlib_rev: toolchain.mathlibRev ?? null, checker_version: CHECKER_VERSION },
  };
  const existing = await sink.get(runInfoKey(runId));
  if (existing === null) {
    await sink.put(problemsKey(runId), encodeProblemList(rows));
    await sink.put(runInfoKey(runId), `${JSON.stringify(info, null, 2)}\n`);
  } else {
    const previous = RunInfoSchema.parse(JSON.parse(Buffer.from(existing).toString('utf8')));
    if (previous.config_hash !== hash) throw new ProoflineError('CONFIG_INVALID', `Run ${runId} was started with config hash ${previous.config_hash.slice(0, 12)}…, this config has ${hash.slice(0, 12)}…; pass another --run-id for a different config`);
    if (previous.problems_sha256 !== info.problems_sha256) throw new ProoflineError('INPUT_INVALID', `The problem set ${options.problemsUri} changed since run ${runId} started (sha256 ${info.problems_sha256.slice(0, 12)}…, run.json has ${previous.problems_sha256.slice(0, 12)}…); pass another --run-id for a new run`);
    const was = `lean ${previous.toolchain.lean}, mathlib ${previous.toolchain.mathlib_rev ?? 'none'}, checker ${previous.toolchain.checker_version}`;
    const now = `lean ${info.toolchain.lean}, mathlib ${info.toolchain.mathlib_rev ?? 'none'}, checker ${info.toolchain.checker_version}`;
    if (was !== now) throw new ProoflineError('CONFIG_INVALID', `Run ${runId} was started with ${was}, this checker has ${now}; pass another --run-id for a run on this toolchain`);
  }

  // The jobs: every (problem, sample range); those with a part or a dead letter in the sink are done.
  const done = new Set([...(await sink.list(`${clusterWorkPrefix(runId)}candidates/`)), ...(await sink.list(`${clusterWorkPrefix(runId)}dead/`))]);
  if (existing !== null) {
    // A rerun redoes what a local rerun redoes: candidates whose check failed (an `error` outcome
    // is never final) and samples that failed (a dead letter). Their part and dead letters go
    // first, so until the job is redone finalize counts it unaccounted, never complete.
    const redo = new Set<string>();
    for (const key of done) {
      if (key.includes('/dead/')) redo.add(key.replace('/dead/', '/candidates/').replace(/\.(sample|check)\.json$/u, '.json.gz'));
      else if (key.includes('/candidates/')) {
        const body = await sink.get(key);
        if (body !== null && decodeCandidatePart(key, body).candidates.some((c) => c.outcome.kind === 'error')) redo.add(key);
      }
    }
    for (const partKey of redo) {
      for (const key of [partKey, partKey.replace('/candidates/', '/dead/').replace(/\.json\.gz$/u, '.sample.json'), partKey.replace('/candidates/', '/dead/').replace(/\.json\.gz$/u, '.check.json')]) {
        if (done.delete(key)) await sink.delete(key);
      }
    }
    // …and Redis forgets they finished (the finished set and failures of the earlier attempt).
    const keysOfRun = runKeys(namespace, runId);
    for (const partKey of redo) {
      const match = /p(\d{8})-s(\d{4})-(\d{4})\.json\.gz$/u.exec(partKey);
      if (match === null) continue;
      const jobId = clusterJobId(runId, Number(match[1]), { from: Number(match[2]), to: Number(match[3]) });
      await redis.multi().srem(keysOfRun.finished, jobId).zrem(keysOfRun.finishedAt, jobId).hdel(keysOfRun.failures, `${jobId}|sample`, `${jobId}|check`).exec();
    }
    if (redo.size > 0) logger.info({ runId, jobs: redo.size }, 'redoing jobs with check errors or failed samples');
  }
  const keys = runKeys(namespace, runId);
  const jobs: { payload: SampleJobPayload; id: string }[] = [];
  const finishedAlready: string[] = [];
  for (const row of rows) {
    for (let from = 0; from < n; from += options.samplesPerJob) {
      const samples = { from, to: Math.min(n, from + options.samplesPerJob) };
      const id = clusterJobId(runId, row.seq, samples);
      if (done.has(candidatePartKey(runId, row.seq, samples)) || done.has(deadLetterKey(runId, row.seq, samples, 'sample')) || done.has(deadLetterKey(runId, row.seq, samples, 'check'))) {
        finishedAlready.push(id);
        continue;
      }
      jobs.push({ id, payload: { schema: JOB_SCHEMA, run_id: runId, config_hash: hash, problem_seq: row.seq, problem: JSON.parse(row.json), samples } as SampleJobPayload });
    }
  }
  const total = finishedAlready.length + jobs.length;
  await redis.multi()
    .hset(keys.run, { total_jobs: String(total), n: String(n), samples_per_job: String(options.samplesPerJob), config_hash: hash })
    .hsetnx(keys.run, 'started_at', String(Date.now()))
    .exec();
  for (let i = 0; i < finishedAlready.length; i += 1000) await redis.sadd(keys.finished, ...finishedAlready.slice(i, i + 1000));
  logger.info({ runId, jobs: total, toEnqueue: jobs.length, out: sink.uri }, 'cluster build run');

  const prefix = queuePrefix(namespace);
  const sampleQueue = new Queue('sample', { connection: options.queueConnection, prefix });
  const checkQueue = new Queue('check', { connection: options.queueConnection, prefix });
  let lastAnswer = Date.now();
  /** Whether Redis still has the run; throws REDIS_UNAVAILABLE when it lost it or stays silent. */
  const alive = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      const [exists, value] = await Promise.all([redis.exists(keys.run), read()]);
      lastAnswer = Date.now();
      if (exists === 0) throw redisLost(runId, `its key ${keys.run} is gone: Redis was flushed or restarted empty`);
      return value;
    } catch (error) {
      if (error instanceof ProoflineError) throw error;
      if (Date.now() - lastAnswer > options.redisGraceMs) throw redisLost(runId, `no answer for ${Math.round((Date.now() - lastAnswer) / 1000)} s: ${(error as Error).message}`);
      return undefined;
    }
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    const page = Math.max(1, Math.min(500, options.maxQueuedJobs));
    for (let i = 0; i < jobs.length; i += page) {
      for (;;) {
        if (options.signal.aborted) return { kind: 'interrupted' };
        const waiting = await alive(async () => {
          const [s, c] = await Promise.all([sampleQueue.getJobCounts('wait', 'delayed', 'prioritized'), checkQueue.getJobCounts('wait', 'delayed', 'prioritized')]);
          return Object.values(s).reduce((a, b) => a + b, 0) + Object.values(c).reduce((a, b) => a + b, 0);
        });
        if (waiting !== undefined && waiting + page <= Math.max(options.maxQueuedJobs, page)) break;
        await sleep(options.pollMs);
      }
      const slice = jobs.slice(i, i + page);
      await sampleQueue.addBulk(slice.map((job) => ({ name: 'sample', data: job.payload, opts: bullJobOptions(job.id, options.jobOptions) })));
    }
    for (;;) {
      if (options.signal.aborted) return { kind: 'interrupted' };
      const progress = await alive(() => readRunProgress(redis, namespace, runId));
      if (progress !== undefined && progress !== null) {
        options.onProgress?.(progress.finished_jobs, total);
        if (progress.finished_jobs >= total) break;
      }
      await sleep(options.pollMs);
    }
  } finally {
    await sampleQueue.close();
    await checkQueue.close();
  }

  // Redis says every job finished; the sink decides (finalize refuses anything unaccounted for).
  const lock = await redis.set(keys.finalizeLock, String(process.pid), 'PX', 10 * 60_000, 'NX');
  if (lock === null) throw new ProoflineError('RUN_LOCKED', `Run ${runId} is being finalized by another process (${keys.finalizeLock} is held); wait for it`);
  try {
    const outcome = await finalizeClusterRun(setup, runId, options.repoRoot);
    if (outcome.kind === 'unaccounted') {
      throw new ProoflineError('REDIS_UNAVAILABLE', `Redis counts every job of run ${runId} finished, but ${outcome.jobs.length} job(s) have no part or dead letter in ${sink.uri} (first: problem #${outcome.jobs[0]!.seq} samples ${outcome.jobs[0]!.from}..${outcome.jobs[0]!.to - 1}); nothing was finalized. Rerun the same command to re-enqueue them`);
    }
    return outcome;
  } finally {
    await redis.del(keys.finalizeLock).catch(() => {});
  }
}
