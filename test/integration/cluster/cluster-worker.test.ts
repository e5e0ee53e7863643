import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runClusterWorker } from '../../../pipeline/cluster/cluster-worker.ts';
import { clusterJobId, JOB_SCHEMA } from '../../../pipeline/cluster/job-payloads.ts';
import { queuePrefix } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../../pipeline/cluster/redis-connection.ts';
import { runKeys } from '../../../pipeline/cluster/run-state.ts';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { createSink } from '../../../pipeline/sinks/create-sink.ts';
import type { Sink } from '../../../pipeline/sinks/sink.ts';
import { CONFIG_HASH, completion, problem, verdict } from '../../unit/cluster/payload-fixtures.ts';
import { waitFor } from '../build/robustness-kit.ts';
import { dropNamespace, REDIS_URL, skipReason, testClient, testNamespace } from './redis-kit.ts';

/**
 * The worker's failure handling with stub stages (no Lean): retryable errors go back to BullMQ
 * with backoff, the last attempt writes the part with `error` outcomes and a dead letter, a corrupt
 * job fails for good at once with an INPUT_INVALID dead letter. Real Redis, one namespace per test.
 */
const skip = await skipReason();
const RUN = 'run-w';

describe.skipIf(skip !== null)('cluster worker failure handling', () => {
  let namespace: string;
  let dir: string;
  let sink: Sink;
  let redis: Redis;
  let stop: AbortController;
  let running: Promise<void> | null;
  const connections: Redis[] = [];

  beforeEach(async () => {
    namespace = testNamespace();
    dir = await mkdtemp(join(tmpdir(), 'proofline-cluster-worker-'));
    sink = createSink(dir);
    redis = testClient();
    stop = new AbortController();
    running = null;
  });
  afterEach(async () => {
    stop.abort();
    await running;
    for (const c of connections.splice(0)) c.disconnect();
    await dropNamespace(redis, namespace);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(check: (sampleIndex: number, call: number) => Promise<ReturnType<typeof verdict>>): Promise<{ calls: Map<number, number> }> {
    const connect = async () => {
      const c = await connectRedis(REDIS_URL, 'queue');
      connections.push(c);
      return c;
    };
    const command = await connectRedis(REDIS_URL, 'command');
    connections.push(command);
    const calls = new Map<number, number>();
    running = runClusterWorker({
      connect, redis: command, namespace, workerId: 'w1', configHash: CONFIG_HASH, sink, role: 'all',
      sample: { name: 'sample', run: async ({ sampleIndex }) => completion(sampleIndex) },
      check: {
        name: 'check',
        run: async ({ completion: c }) => {
          const call = (calls.get(c.sample_index) ?? 0) + 1;
          calls.set(c.sample_index, call);
          return check(c.sample_index, call);
        },
      },
      sampleConcurrency: 1, checkConcurrency: 1, lockMs: 5_000, jobOptions: { attempts: 3, backoffMs: 50 },
      logger: pino({ level: process.env.DEBUG_WORKER ? 'debug' : 'silent' }), signal: stop.signal,
    });
    return { calls };
  }

  async function enqueue(data: unknown, samples = { from: 0, to: 2 }): Promise<string> {
    const queue = new Queue('sample', { connection: redis, prefix: queuePrefix(namespace) });
    const id = clusterJobId(RUN, 0, samples);
    await queue.add('sample', data, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    await queue.close();
    return id;
  }

  const job = { schema: JOB_SCHEMA, run_id: RUN, config_hash: CONFIG_HASH, problem_seq: 0, problem, samples: { from: 0, to: 2 } };
  const finished = async (id: string) => waitFor(`job ${id} finished`, async () => ((await redis.sismember(runKeys(namespace, RUN).finished, id)) === 1 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
  const readPart = async () => JSON.parse(gunzipSync(await readFile(join(dir, 'work', RUN, 'candidates', 'p00000000-s0000-0002.json.gz'))).toString('utf8'));
  const deadLetters = async () => readdir(join(dir, 'work', RUN, 'dead')).catch(() => [] as string[]);

  test('a retryable check failure goes back with backoff; the retry writes the verdict, no dead letter', async () => {
    const { calls } = await start(async (sampleIndex, call) => {
      if (sampleIndex === 1 && call === 1) throw new ProoflineError('LEAN_CRASHED', 'the REPL died');
      return verdict();
    });
    const id = await enqueue(job);
    await finished(id);
    expect(calls.get(1)).toBe(2);
    const part = await readPart();
    expect(part.candidates.map((c: { outcome: { kind: string } }) => c.outcome.kind)).toEqual(['verdict', 'verdict']);
    expect(await deadLetters()).toEqual([]);
  });

  test('past its attempts, the part keeps the error outcome and a check dead letter names the code', async () => {
    const { calls } = await start(async (sampleIndex) => {
      if (sampleIndex === 1) throw new ProoflineError('LEAN_CRASHED', 'the REPL died');
      return verdict();
    });
    const id = await enqueue(job);
    await finished(id);
    expect(calls.get(1)).toBe(3);
    const part = await readPart();
    expect(part.candidates[1].outcome).toEqual({ kind: 'error', error: { code: 'LEAN_CRASHED', message: 'the REPL died', retryable: true } });
    expect(await deadLetters()).toEqual(['p00000000-s0000-0002.check.json']);
    expect(await redis.hgetall(runKeys(namespace, RUN).failures)).toEqual({ [`${id}|check`]: 'LEAN_CRASHED' });
  });

  test('a corrupt job fails for good at once (no retry) with an INPUT_INVALID dead letter, so the run is not left waiting', async () => {
    await start(async () => verdict());
    const id = await enqueue({ ...job, problem: { ...problem, formal_statement: 'theorem t : True' } });
    await finished(id);
    const letter = JSON.parse(await readFile(join(dir, 'work', RUN, 'dead', 'p00000000-s0000-0002.sample.json'), 'utf8'));
    expect(letter).toMatchObject({ stage: 'sample', job_id: id, error: { code: 'INPUT_INVALID', retryable: false } });
    expect(letter.error.message).toContain('formal_statement');
    const failed = await new Queue('sample', { connection: redis, prefix: queuePrefix(namespace) }).getJob(id);
    expect(failed?.attemptsMade).toBe(1);
  });
});
