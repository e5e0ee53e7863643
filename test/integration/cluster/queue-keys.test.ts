import { Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { clusterJobId } from '../../../pipeline/cluster/job-payloads.ts';
import { queueKey, queuePrefix } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../../pipeline/cluster/redis-connection.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { keySlot } from '../../unit/cluster/key-slot.ts';
import { dropNamespace, keysOf, REDIS_URL, skipReason, testClient, testNamespace } from './redis-kit.ts';

const skip = await skipReason();

describe.skipIf(skip !== null)('BullMQ keys under the hash-tag prefix (real Redis)', () => {
  let namespace: string;
  let redis: Redis;
  let connection: Redis;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    namespace = testNamespace();
    redis = testClient();
    connection = await connectRedis(REDIS_URL, 'queue', { connectionName: 'proofline-test' });
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await dropNamespace(redis, namespace);
    connection.disconnect();
    redis.disconnect();
  });

  test('every key BullMQ creates for the queues of a namespace lands in one Redis Cluster slot', async () => {
    const prefix = queuePrefix(namespace);
    const check = new Queue('check', { connection, prefix });
    const sample = new Queue('sample', { connection, prefix });
    closers.push(() => check.close(), () => sample.close());
    // Exercise the key kinds a run makes: waiting, delayed (a retry with backoff), prioritized, completed, failed.
    await check.add('check', { n: 1 }, { jobId: clusterJobId('run-a', 1, { from: 0, to: 4 }) });
    await check.add('check', { n: 2 }, { jobId: clusterJobId('run-a', 2, { from: 0, to: 4 }), delay: 60_000 });
    await check.add('check', { n: 3 }, { jobId: clusterJobId('run-a', 3, { from: 0, to: 4 }), priority: 5 });
    await sample.add('sample', { fail: true }, { jobId: clusterJobId('run-a', 4, { from: 0, to: 4 }) });
    await sample.add('sample', { fail: false }, { jobId: clusterJobId('run-a', 5, { from: 0, to: 4 }) });
    const worker = new Worker('sample', async (job) => {
      if ((job.data as { fail: boolean }).fail) throw new UnrecoverableError('INPUT_INVALID');
      return 'ok';
    }, { connection, prefix, concurrency: 1 });
    closers.push(() => worker.close());
    await waitFor(async () => (await sample.getJobCounts('completed', 'failed')).completed === 1 && (await sample.getJobCounts('failed')).failed === 1);

    const keys = await keysOf(redis, namespace);
    for (const kind of ['wait', 'delayed', 'prioritized', 'completed', 'failed', 'meta', 'id', 'events']) {
      expect(keys.some((key) => key.endsWith(`:${kind}`)), `a ${kind} key among ${keys.join(', ')}`).toBe(true);
    }
    expect(keys.length).toBeGreaterThan(10);
    const slots = new Set(keys.map((key) => keySlot(key)));
    expect(slots).toEqual(new Set([keySlot(queueKey('check', 'wait', namespace))]));
  });

  test('the wait key KEDA scales on is a Redis list whose length is the number of waiting jobs', async () => {
    const queue = new Queue('check', { connection, prefix: queuePrefix(namespace) });
    closers.push(() => queue.close());
    for (let seq = 0; seq < 3; seq += 1) await queue.add('check', { seq }, { jobId: clusterJobId('run-b', seq, { from: 0, to: 8 }) });
    expect(await redis.type(queueKey('check', 'wait', namespace))).toBe('list');
    expect(await redis.llen(queueKey('check', 'wait', namespace))).toBe(3);
  });

  test('re-enqueueing a job id that exists adds nothing (a restarted coordinator enqueues idempotently)', async () => {
    const queue = new Queue('sample', { connection, prefix: queuePrefix(namespace) });
    closers.push(() => queue.close());
    const id = clusterJobId('run-c', 7, { from: 0, to: 4 });
    await queue.add('sample', { first: true }, { jobId: id });
    await queue.add('sample', { first: false }, { jobId: id });
    expect(await queue.getWaitingCount()).toBe(1);
    expect((await queue.getJob(id))?.data).toEqual({ first: true });
  });

  test('an unreachable Redis is a clear error naming the redacted URL', async () => {
    const error = await connectRedis('redis://user:secret@127.0.0.1:1', 'command', { connectTimeoutMs: 1_000 }).catch((caught: unknown) => caught);
    expect(isProoflineError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('Cannot connect to Redis at redis://user:***@127.0.0.1:1');
    expect((error as Error).message).not.toContain('secret');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
