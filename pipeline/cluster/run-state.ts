import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ProoflineError } from '../errors.ts';
import type { RedisClient } from './redis-connection.ts';
import { queuePrefix } from './queue-names.ts';

/**
 * A cluster run's progress in Redis, beside its queues (same `{namespace}` hash tag, so one slot):
 *
 * - `{ns}:run:<id>`              hash written by the coordinator: total_jobs, n, samples_per_job,
 *                                config_hash, started_at (ms). Its absence mid-run means Redis lost
 *                                the run (flushed, restarted empty): the coordinator stops.
 * - `{ns}:run:<id>:finished`     set of job ids whose part or dead letter is in the sink (a set, so
 *                                a job run twice counts once).
 * - `{ns}:run:<id>:finished-at`  sorted set job id → ms (first finish), for rates.
 * - `{ns}:run:<id>:failures`     hash `<job id>|<stage>` → error code of its dead letter (idempotent).
 * - `{ns}:workers`               sorted set worker id → last heartbeat (ms); `{ns}:worker:<id>`
 *                                hash of what the worker is (role, host, pid, jobs), with a TTL.
 *
 * All of this is bookkeeping for following a run; the sink (parts and dead letters) is what
 * finalize trusts.
 */

export const WORKER_TTL_MS = 15_000;

export function runKeys(namespace: string, runId: string) {
  const base = `${queuePrefix(namespace)}:run:${runId}`;
  return { run: base, finished: `${base}:finished`, finishedAt: `${base}:finished-at`, failures: `${base}:failures`, finalizeLock: `${base}:finalize-lock` };
}

export function workerKeys(namespace: string, workerId?: string) {
  const prefix = queuePrefix(namespace);
  return { all: `${prefix}:workers`, one: workerId === undefined ? '' : `${prefix}:worker:${workerId}` };
}

export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Marks a job finished (its part or dead letter is durable in the sink). */
export async function markFinished(client: RedisClient, namespace: string, runId: string, jobId: string, now = Date.now()): Promise<void> {
  const keys = runKeys(namespace, runId);
  const redis = client as Redis;
  await redis.multi().sadd(keys.finished, jobId).zadd(keys.finishedAt, 'NX', now, jobId).exec();
}

export async function recordFailure(client: RedisClient, namespace: string, runId: string, jobId: string, stage: 'sample' | 'check', code: string): Promise<void> {
  await (client as Redis).hset(runKeys(namespace, runId).failures, `${jobId}|${stage}`, code);
}

export interface RunProgress {
  run_id: string;
  total_jobs: number;
  finished_jobs: number;
  n: number;
  samples_per_job: number;
  started_at: string | null;
  elapsed_s: number | null;
  /** Finished jobs per second: since the start, and over the last minute. */
  jobs_per_s: { overall: number | null; last_minute: number };
  /** Dead letters by `<stage>:<code>`. */
  failures_by_code: Record<string, number>;
}

/** The run's progress, or null when Redis has no such run (never started, or Redis lost it). */
export async function readRunProgress(client: RedisClient, namespace: string, runId: string, now = Date.now()): Promise<RunProgress | null> {
  const redis = client as Redis;
  const keys = runKeys(namespace, runId);
  const [run, finished, lastMinute, failures] = await Promise.all([
    redis.hgetall(keys.run), redis.scard(keys.finished), redis.zcount(keys.finishedAt, now - 60_000, '+inf'), redis.hgetall(keys.failures),
  ]);
  if (run.total_jobs === undefined) return null;
  const startedMs = Number(run.started_at);
  const elapsed = Number.isFinite(startedMs) ? Math.max(0, (now - startedMs) / 1000) : null;
  const byCode: Record<string, number> = {};
  for (const [field, code] of Object.entries(failures)) {
    const stage = field.slice(field.lastIndexOf('|') + 1);
    byCode[`${stage}:${code}`] = (byCode[`${stage}:${code}`] ?? 0) + 1;
  }
  return {
    run_id: runId,
    total_jobs: Number(run.total_jobs),
    finished_jobs: finished,
    n: Number(run.n),
    samples_per_job: Number(run.samples_per_job),
    started_at: Number.isFinite(startedMs) ? new Date(startedMs).toISOString() : null,
    elapsed_s: elapsed === null ? null : Math.round(elapsed * 10) / 10,
    jobs_per_s: { overall: elapsed === null || elapsed === 0 ? null : Math.round((finished / elapsed) * 100) / 100, last_minute: Math.round((lastMinute / 60) * 100) / 100 },
    failures_by_code: byCode,
  };
}

export interface WorkerInfo {
  id: string;
  alive: boolean;
  last_seen_s_ago: number;
  role: string | null;
  host: string | null;
  pid: number | null;
  jobs_done: number | null;
}

/** Every worker seen in the last hour; `alive` when its heartbeat is younger than WORKER_TTL_MS. */
export async function readWorkers(client: RedisClient, namespace: string, now = Date.now()): Promise<WorkerInfo[]> {
  const redis = client as Redis;
  const { all } = workerKeys(namespace);
  await redis.zremrangebyscore(all, '-inf', String(now - 3600_000));
  const entries = await redis.zrange(all, '0', '-1', 'WITHSCORES');
  const workers: WorkerInfo[] = [];
  for (let i = 0; i < entries.length; i += 2) {
    const id = entries[i]!;
    const seen = Number(entries[i + 1]);
    const info = await redis.hgetall(workerKeys(namespace, id).one);
    workers.push({
      id, alive: now - seen < WORKER_TTL_MS, last_seen_s_ago: Math.round((now - seen) / 100) / 10,
      role: info.role ?? null, host: info.host ?? null, pid: info.pid === undefined ? null : Number(info.pid), jobs_done: info.jobs_done === undefined ? null : Number(info.jobs_done),
    });
  }
  return workers;
}

/** Heartbeat of one worker process: every third of WORKER_TTL_MS until stopped. */
export function startHeartbeat(client: RedisClient, namespace: string, workerId: string, info: { role: string }, jobsDone: () => number): { stop(): Promise<void> } {
  const redis = client as Redis;
  const keys = workerKeys(namespace, workerId);
  const beat = async (): Promise<void> => {
    try {
      await redis
        .multi()
        .zadd(keys.all, Date.now(), workerId)
        .hset(keys.one, { role: info.role, host: hostname(), pid: String(process.pid), jobs_done: String(jobsDone()) })
        .pexpire(keys.one, WORKER_TTL_MS * 4)
        .exec();
    } catch {
      // A missed beat shows as a stale worker in `status`; the queue itself does not depend on it.
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), WORKER_TTL_MS / 3);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      try {
        await redis.multi().zrem(keys.all, workerId).del(keys.one).exec();
      } catch {
        // gone anyway once its heartbeat ages
      }
    },
  };
}

export function redisLost(runId: string, detail: string): ProoflineError {
  return new ProoflineError('REDIS_UNAVAILABLE', `Redis lost run ${runId} (${detail}); nothing was finalized. The parts already written are kept in the sink: rerun the same \`proofline build --cluster\` to re-enqueue the jobs without a part, or \`proofline finalize\` once every job is accounted for`);
}
