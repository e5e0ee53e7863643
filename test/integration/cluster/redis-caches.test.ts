import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { cacheKeys } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../../pipeline/cluster/redis-connection.ts';
import { createRedisSampleCache } from '../../../pipeline/cluster/redis-sample-cache.ts';
import { RedisVerdictCache } from '../../../pipeline/cluster/redis-verdict-cache.ts';
import { isProoflineError, ProoflineError } from '../../../pipeline/errors.ts';
import type { Completion } from '../../../pipeline/sample/sampler.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';
import { verdict } from '../../unit/cluster/payload-fixtures.ts';
import { dropNamespace, REDIS_URL, skipReason, testClient, testNamespace } from './redis-kit.ts';

const skip = await skipReason();
const KEY = RedisVerdictCache.key(['0.2.0', 'lean 4.33.0', 'strict', 'theorem t', 'by simp']);
const HASH = 'ab'.repeat(32);
const answer: Completion = { text: 'by simp', reasoning: null, reasoningRedacted: false, stopReason: 'end_turn', truncated: false, usage: { inputTokens: 5, outputTokens: 7 }, model: 'm', latencyMs: 3 };

/** Two "workers": separate connections and caches, so only Redis is shared between them. */
describe.skipIf(skip !== null)('Redis caches (real Redis)', () => {
  let namespace: string;
  let redis: Redis;
  const clients: Redis[] = [];
  const connect = async (): Promise<Redis> => {
    const client = await connectRedis(REDIS_URL, 'command');
    clients.push(client);
    return client;
  };

  beforeEach(() => {
    namespace = testNamespace();
    redis = testClient();
  });
  afterEach(async () => {
    await dropNamespace(redis, namespace);
    for (const client of clients.splice(0)) client.disconnect();
    redis.disconnect();
  });

  describe('RedisVerdictCache', () => {
    test('the same candidate on two workers at once is checked once; the other gets it cached', async () => {
      const [a, b] = [new RedisVerdictCache(await connect(), { namespace, pollMs: 10 }), new RedisVerdictCache(await connect(), { namespace, pollMs: 10 })];
      let checks = 0;
      const slowCheck = async (): Promise<Verdict> => {
        checks += 1;
        await new Promise((resolve) => setTimeout(resolve, 150));
        return verdict('accepted');
      };
      const [first, second] = await Promise.all([a.getOrCheck(KEY, slowCheck), b.getOrCheck(KEY, slowCheck)]);
      expect(checks).toBe(1);
      expect([first.cached, second.cached].sort()).toEqual([false, true]);
      expect({ ...first, cached: null }).toEqual({ ...second, cached: null });
      // A retry on a third worker later: no check at all.
      const third = await new RedisVerdictCache(await connect(), { namespace }).getOrCheck(KEY, slowCheck);
      expect(checks).toBe(1);
      expect(third).toEqual({ ...verdict('accepted'), cached: true });
    });

    test('concurrent callers in one process share one check too', async () => {
      const cache = new RedisVerdictCache(await connect(), { namespace });
      let checks = 0;
      const results = await Promise.all(Array.from({ length: 5 }, () => cache.getOrCheck(KEY, async () => (checks += 1, verdict('rejected')))));
      expect(checks).toBe(1);
      expect(results.filter((r) => !r.cached)).toHaveLength(1);
    });

    test('an infrastructure error is thrown unchanged and never remembered; the next caller checks again', async () => {
      const cache = new RedisVerdictCache(await connect(), { namespace });
      const crash = new ProoflineError('LEAN_CRASHED', 'Lean died');
      await expect(cache.getOrCheck(KEY, async () => { throw crash; })).rejects.toBe(crash);
      expect(await redis.exists(cacheKeys('verdict', KEY, namespace).value, cacheKeys('verdict', KEY, namespace).lock)).toBe(0);
      let checks = 0;
      const result = await cache.getOrCheck(KEY, async () => (checks += 1, verdict('accepted')));
      expect(checks).toBe(1);
      expect(result.cached).toBe(false);
    });

    test('a stored entry that is not a verdict is a miss, and is overwritten', async () => {
      await redis.set(cacheKeys('verdict', KEY, namespace).value, JSON.stringify({ kind: 'accepted' }));
      const cache = new RedisVerdictCache(await connect(), { namespace });
      let checks = 0;
      expect((await cache.getOrCheck(KEY, async () => (checks += 1, verdict('rejected')))).kind).toBe('rejected');
      expect(checks).toBe(1);
      expect(JSON.parse((await redis.get(cacheKeys('verdict', KEY, namespace).value))!)).toEqual(verdict('rejected'));
    });

    test('a worker that died holding the lock delays the check only until its lock expires', async () => {
      // The dead worker's lock: taken, never renewed, never released.
      await redis.set(cacheKeys('verdict', KEY, namespace).lock, 'dead-worker', 'PX', 400);
      const cache = new RedisVerdictCache(await connect(), { namespace, pollMs: 20 });
      const started = Date.now();
      let checks = 0;
      const result = await cache.getOrCheck(KEY, async () => (checks += 1, verdict('accepted')));
      expect(checks).toBe(1);
      expect(result.cached).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    });

    test('a long check keeps its lock alive past the lock TTL, so nobody checks it twice', async () => {
      const [a, b] = [new RedisVerdictCache(await connect(), { namespace, lockTtlMs: 900, pollMs: 20 }), new RedisVerdictCache(await connect(), { namespace, lockTtlMs: 900, pollMs: 20 })];
      let checks = 0;
      const longCheck = async (): Promise<Verdict> => {
        checks += 1;
        await new Promise((resolve) => setTimeout(resolve, 3_000)); // > 3 lock TTLs
        return verdict('accepted');
      };
      const first = a.getOrCheck(KEY, longCheck);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = b.getOrCheck(KEY, longCheck);
      await Promise.all([first, second]);
      expect(checks).toBe(1);
    });

    test('Redis failing is a retryable CHECKER_INTERNAL naming Redis, never a verdict', async () => {
      const client = await connect();
      const cache = new RedisVerdictCache(client, { namespace });
      client.disconnect();
      const error = await cache.getOrCheck(KEY, async () => verdict('accepted')).catch((caught: unknown) => caught);
      expect(isProoflineError(error, 'CHECKER_INTERNAL')).toBe(true);
      expect((error as ProoflineError).retryable).toBe(true);
      expect((error as Error).message).toContain('verdict cache in Redis');
    });
  });

  describe('Redis sample cache', () => {
    test('get/set by request hash, like the file cache', async () => {
      const cache = createRedisSampleCache(await connect(), { namespace });
      expect(await cache.get(HASH)).toBeNull();
      await cache.set(HASH, answer);
      expect(await createRedisSampleCache(await connect(), { namespace }).get(HASH)).toEqual(answer);
      await expect(cache.get('../etc/passwd')).rejects.toThrow(/Expected a sha256 hex request hash/u);
    });

    test('an entry stored under another hash or in another shape is a miss, never a wrong answer', async () => {
      const cache = createRedisSampleCache(await connect(), { namespace });
      await redis.set(cacheKeys('sample', HASH, namespace).value, JSON.stringify({ request_hash: 'cd'.repeat(32), completion: answer }));
      expect(await cache.get(HASH)).toBeNull();
      await redis.set(cacheKeys('sample', HASH, namespace).value, '{not json');
      expect(await cache.get(HASH)).toBeNull();
    });

    test('the same request wanted by two workers at once is paid for once', async () => {
      const [a, b] = [createRedisSampleCache(await connect(), { namespace, pollMs: 10 }), createRedisSampleCache(await connect(), { namespace, pollMs: 10 })];
      let paid = 0;
      const send = async (): Promise<Completion> => {
        paid += 1;
        await new Promise((resolve) => setTimeout(resolve, 150));
        return answer;
      };
      const results = await Promise.all([a.getOrSend(HASH, send), b.getOrSend(HASH, send)]);
      expect(paid).toBe(1);
      expect(results.map((r) => r.cached).sort()).toEqual([false, true]);
      expect(results[0]!.completion).toEqual(results[1]!.completion);
    });

    test('a failed request is not remembered; Redis failing is a retryable SAMPLE_CACHE_FAILED', async () => {
      const client = await connect();
      const cache = createRedisSampleCache(client, { namespace });
      const throttled = new ProoflineError('SAMPLER_THROTTLED', '429');
      await expect(cache.getOrSend(HASH, async () => { throw throttled; })).rejects.toBe(throttled);
      expect(await cache.get(HASH)).toBeNull();
      client.disconnect();
      const error = await cache.get(HASH).catch((caught: unknown) => caught);
      expect(isProoflineError(error, 'SAMPLE_CACHE_FAILED')).toBe(true);
      expect((error as ProoflineError).retryable).toBe(true);
    });
  });
});
