import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterRateLimiter } from '../../../pipeline/cluster/cluster-rate-limiter.ts';
import { clusterJobId } from '../../../pipeline/cluster/job-payloads.ts';
import { queuePrefix } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedisCluster } from '../../../pipeline/cluster/redis-connection.ts';
import { createRedisSampleCache } from '../../../pipeline/cluster/redis-sample-cache.ts';
import { RedisVerdictCache } from '../../../pipeline/cluster/redis-verdict-cache.ts';
import { verdict } from '../../unit/cluster/payload-fixtures.ts';
import { clusterSkipReason, startRedisCluster, type TestRedisCluster } from './redis-cluster-kit.ts';
import { testNamespace } from './redis-kit.ts';

const skip = clusterSkipReason();

/** ElastiCache / Valkey in cluster mode, in small: three masters, 16384 slots spread over them. */
describe.skipIf(skip !== null)('on a real Redis Cluster', () => {
  let redisCluster: TestRedisCluster;
  let queueClient: Cluster;
  let commandClient: Cluster;

  beforeAll(async () => {
    redisCluster = await startRedisCluster();
    queueClient = await connectRedisCluster(redisCluster.url, 'queue');
    commandClient = await connectRedisCluster(redisCluster.url, 'command');
  }, 60_000);
  afterAll(async () => {
    queueClient?.disconnect();
    commandClient?.disconnect();
    await redisCluster?.stop();
  });

  test('BullMQ runs a queue under the hash-tag prefix: adds, delays, retries with backoff and completes jobs', async () => {
    const prefix = queuePrefix(testNamespace());
    const queue = new Queue('check', { connection: queueClient, prefix });
    const events = new QueueEvents('check', { connection: queueClient, prefix });
    const attempts = new Map<string, number>();
    const worker = new Worker('check', async (job) => {
      const seen = (attempts.get(job.id!) ?? 0) + 1;
      attempts.set(job.id!, seen);
      if ((job.data as { flaky: boolean }).flaky && seen === 1) throw new Error('transient');
      return seen;
    }, { connection: queueClient, prefix, concurrency: 4 });
    try {
      await events.waitUntilReady();
      const ids = [];
      for (let seq = 0; seq < 6; seq += 1) {
        const id = clusterJobId('cluster-run', seq, { from: 0, to: 4 });
        ids.push(id);
        await queue.add('check', { flaky: seq % 2 === 0 }, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 50 }, ...(seq === 5 ? { delay: 100 } : {}) });
      }
      const jobs = await Promise.all(ids.map(async (id) => (await queue.getJob(id))!.waitUntilFinished(events, 20_000)));
      expect(jobs).toEqual([2, 1, 2, 1, 2, 1]);
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 6, failed: 0 });
      await queue.obliterate({ force: true });
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  }, 30_000);

  test('without the hash tag the same queue fails with CROSSSLOT: the prefix is what makes cluster mode work', async () => {
    const queue = new Queue('check', { connection: queueClient, prefix: testNamespace() });
    try {
      await expect(queue.add('check', {}, { jobId: clusterJobId('plain', 0, { from: 0, to: 1 }) })).rejects.toThrow(/CROSSSLOT/u);
    } finally {
      await queue.close();
    }
  });

  test('the shared caches and the rate limiter run their scripts in one slot each', async () => {
    const namespace = testNamespace();
    const key = RedisVerdictCache.key(['cluster', 'mode']);
    const caches = [new RedisVerdictCache(commandClient, { namespace }), new RedisVerdictCache(commandClient, { namespace })];
    let checks = 0;
    const results = await Promise.all(caches.map((cache) => cache.getOrCheck(key, async () => (checks += 1, await new Promise((r) => setTimeout(r, 100)), verdict('accepted')))));
    expect(checks).toBe(1);
    expect(results.map((r) => r.cached).sort()).toEqual([false, true]);

    const samples = createRedisSampleCache(commandClient, { namespace });
    const hash = 'ef'.repeat(32);
    const answer = { text: 't', reasoning: null, reasoningRedacted: false, stopReason: 'end_turn', truncated: false, usage: { inputTokens: 1, outputTokens: 2 }, model: 'm', latencyMs: 1 };
    expect((await samples.getOrSend(hash, async () => answer)).cached).toBe(false);
    expect((await samples.getOrSend(hash, async () => answer)).cached).toBe(true);

    const limiter = new ClusterRateLimiter(commandClient, { name: 'bedrock-tokens', namespace, unitsPerWindow: 100, windowMs: 60_000 });
    (await limiter.acquire(70)).settle(40);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await limiter.usedUnits()).toBe(40);
  });
});
