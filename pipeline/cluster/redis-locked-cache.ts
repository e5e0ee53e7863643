import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';
import { sleepMs } from '../sample/retry.ts';

/** Deletes the lock only if it is still ours (a lock that expired and was taken over is left alone). */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Extends the lock only if it is still ours. */
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface LockedCacheOptions<T> {
  /** Parses a stored value; null = unusable (foreign, corrupt, older schema): a miss, overwritten. */
  parse(text: string): T | null;
  serialize(value: T): string;
  /** How long a value is kept; null = until evicted or deleted. */
  valueTtlMs: number | null;
  /** A lock not renewed for this long is dead (its holder crashed) and may be taken over. */
  lockTtlMs: number;
  /** First poll interval while another process computes; doubles up to 1 s. */
  pollMs: number;
}

export type LockedCacheResult<T> = { value: T; source: 'cache' | 'computed' };

/**
 * A Redis value with in-flight deduplication across processes: the first caller takes a lock
 * (`SET lock token NX PX ttl`, renewed every ttl/3 while it computes) and stores the value; other
 * callers poll until the value appears. When the computation throws, the lock is released and no
 * value is stored (an infrastructure error is never remembered as an answer): a waiter then takes
 * the lock and computes itself. When the holder dies, its lock expires after `lockTtlMs` and a
 * waiter takes over. Redis errors are thrown as they come; callers wrap them with their code.
 */
export async function getOrComputeLocked<T>(client: RedisClient, keys: { value: string; lock: string }, compute: () => Promise<T>, options: LockedCacheOptions<T>, onStoreError?: (error: unknown) => void): Promise<LockedCacheResult<T>> {
  const redis = client as Redis; // a Cluster client has the same commands
  let pollMs = options.pollMs;
  for (;;) {
    const stored = await redis.get(keys.value);
    const parsed = stored === null ? null : options.parse(stored);
    if (parsed !== null) return { value: parsed, source: 'cache' };
    const token = randomUUID();
    const acquired = await redis.set(keys.lock, token, 'PX', options.lockTtlMs, 'NX');
    if (acquired !== 'OK') {
      await sleepMs(pollMs);
      pollMs = Math.min(pollMs * 2, 1_000);
      continue;
    }
    const renew = setInterval(() => void redis.eval(RENEW_SCRIPT, 1, keys.lock, token, options.lockTtlMs).catch(() => {}), Math.max(1, Math.floor(options.lockTtlMs / 3)));
    renew.unref();
    try {
      const value = await compute();
      try {
        const text = options.serialize(value);
        if (options.valueTtlMs === null) await redis.set(keys.value, text);
        else await redis.set(keys.value, text, 'PX', options.valueTtlMs);
      } catch (error) {
        // The value is computed (perhaps paid for): hand it back; only the sharing is lost.
        onStoreError?.(error);
      }
      return { value, source: 'computed' };
    } finally {
      clearInterval(renew);
      await redis.eval(RELEASE_SCRIPT, 1, keys.lock, token).catch(() => {});
    }
  }
}
