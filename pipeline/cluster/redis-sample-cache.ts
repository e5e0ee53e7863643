import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';
import { ProoflineError } from '../errors.ts';
import { CachedCompletionSchema, type SampleCache } from '../sample/sample-cache.ts';
import type { Completion } from '../sample/sampler.ts';
import { cacheKeys, DEFAULT_NAMESPACE } from './queue-names.ts';
import { getOrComputeLocked } from './redis-locked-cache.ts';

const HASH_PATTERN = /^[0-9a-f]{64}$/u;

export interface RedisSampleCacheOptions {
  namespace?: string;
  /** Paid answers are kept this long (default 30 days; null = until evicted). */
  ttlMs?: number | null;
  /** A sampling worker that died frees its request after this long (default 15 min: a long reasoning answer takes minutes). */
  lockTtlMs?: number;
  pollMs?: number;
}

/** SampleCache plus cross-process in-flight dedup: the request is sent once however many workers want it at once. */
export interface SharedSampleCache extends SampleCache {
  getOrSend(requestHash: string, send: () => Promise<Completion>): Promise<{ completion: Completion; cached: boolean }>;
}

/**
 * The sample cache of the cluster, in Redis: the SampleCache contract of the file cache (get/set
 * by request hash; an unreadable or foreign entry is a miss, never a wrong answer) plus
 * `getOrSend`, which holds a Redis lock while one worker pays for a request so that a duplicate
 * of the job on another worker waits for that answer instead of paying again. Redis failures are
 * SAMPLE_CACHE_FAILED, retryable here (a Redis blip fails the job, which is retried), unlike the
 * file cache's unwritable directory.
 */
export function createRedisSampleCache(client: RedisClient, options: RedisSampleCacheOptions = {}): SharedSampleCache {
  const redis = client as Redis; // a Cluster client has the same commands
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const ttlMs = options.ttlMs === undefined ? 30 * 24 * 3600_000 : options.ttlMs;
  const keysOf = (hash: string) => {
    if (!HASH_PATTERN.test(hash)) throw new TypeError(`Expected a sha256 hex request hash, got ${JSON.stringify(hash)}`);
    return cacheKeys('sample', hash, namespace);
  };
  const parse = (hash: string) => (text: string): Completion | null => {
    try {
      const parsed = CachedCompletionSchema.safeParse(JSON.parse(text));
      return parsed.success && parsed.data.request_hash === hash ? parsed.data.completion : null;
    } catch {
      return null;
    }
  };
  const serialize = (hash: string) => (completion: Completion): string => JSON.stringify({ request_hash: hash, completion });
  const redisError = (operation: string, cause: unknown): ProoflineError =>
    new ProoflineError('SAMPLE_CACHE_FAILED', `Cannot ${operation} the sample cache in Redis (${(cause as Error).message}); the job is retried`, { cause, retryable: true, details: { cache: 'redis', operation } });

  return {
    async get(hash) {
      const keys = keysOf(hash);
      let text: string | null;
      try {
        text = await redis.get(keys.value);
      } catch (error) {
        throw redisError('read', error);
      }
      return text === null ? null : parse(hash)(text);
    },
    async set(hash, completion) {
      const keys = keysOf(hash);
      try {
        if (ttlMs === null) await redis.set(keys.value, serialize(hash)(completion));
        else await redis.set(keys.value, serialize(hash)(completion), 'PX', ttlMs);
      } catch (error) {
        throw redisError('write', error);
      }
    },
    async getOrSend(hash, send) {
      let sendFailed = false;
      const guardedSend = async (): Promise<Completion> => {
        try {
          return await send();
        } catch (error) {
          sendFailed = true;
          throw error;
        }
      };
      try {
        const result = await getOrComputeLocked(redis, keysOf(hash), guardedSend, {
          parse: parse(hash), serialize: serialize(hash), valueTtlMs: ttlMs, lockTtlMs: options.lockTtlMs ?? 15 * 60_000, pollMs: options.pollMs ?? 100,
        });
        return { completion: result.value, cached: result.source === 'cache' };
      } catch (error) {
        if (sendFailed || error instanceof TypeError) throw error;
        throw redisError('use', error);
      }
    },
  };
}
