import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';
import { ProoflineError } from '../errors.ts';
import { VerdictCache } from '../lean/verdict-cache.ts';
import { type Verdict, VerdictSchema } from '../schemas/verdict.ts';
import { cacheKeys, DEFAULT_NAMESPACE } from './queue-names.ts';
import { getOrComputeLocked } from './redis-locked-cache.ts';

export interface RedisVerdictCacheOptions {
  namespace?: string;
  /** Verdicts are kept this long (default 30 days); the key already pins checker, toolchain, policy and budget. */
  ttlMs?: number | null;
  /** A checking worker that died frees its candidates after this long (default 2 min; renewed every third of it while checking). */
  lockTtlMs?: number;
  pollMs?: number;
}

/**
 * The verdict cache shared by every worker through Redis: the same method shapes as VerdictCache
 * (`VerdictCache.key`, `getOrCheck`), so a check retried on another worker, or the same proof met
 * by two workers at once, runs Lean once. Same rules as the in-process cache: a hit comes back as
 * `cached: true`, concurrent callers of one key wait for the first one (in this process through a
 * promise, across processes through a Redis lock), and only verdicts are stored — a thrown
 * infrastructure error is never remembered. A stored entry that does not parse as a Verdict is a
 * miss and is overwritten. Redis failures are thrown as retryable CHECKER_INTERNAL errors naming
 * Redis, so the job is retried; they never become a verdict.
 */
export class RedisVerdictCache {
  static key = VerdictCache.key;
  readonly #redis: Redis;
  readonly #namespace: string;
  readonly #options: { ttlMs: number | null; lockTtlMs: number; pollMs: number };
  readonly #inFlight = new Map<string, Promise<Verdict>>();

  constructor(redis: RedisClient, options: RedisVerdictCacheOptions = {}) {
    this.#redis = redis as Redis; // a Cluster client has the same commands
    this.#namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.#options = { ttlMs: options.ttlMs === undefined ? 30 * 24 * 3600_000 : options.ttlMs, lockTtlMs: options.lockTtlMs ?? 120_000, pollMs: options.pollMs ?? 50 };
  }

  async getOrCheck(key: string, check: () => Promise<Verdict>): Promise<Verdict> {
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return { ...(await pending), cached: true };
    let fromCache = false;
    const promise = this.#shared(key, check).then((result) => {
      fromCache = result.source === 'cache';
      return result.value;
    });
    this.#inFlight.set(key, promise);
    try {
      const verdict = await promise;
      return fromCache ? { ...verdict, cached: true } : verdict;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async #shared(key: string, check: () => Promise<Verdict>): Promise<{ value: Verdict; source: 'cache' | 'computed' }> {
    let checkFailed = false;
    const guardedCheck = async (): Promise<Verdict> => {
      try {
        return await check();
      } catch (error) {
        checkFailed = true;
        throw error;
      }
    };
    try {
      return await getOrComputeLocked(this.#redis, cacheKeys('verdict', key, this.#namespace), guardedCheck, {
        parse: parseVerdict,
        serialize: (verdict) => JSON.stringify({ ...verdict, cached: false }),
        valueTtlMs: this.#options.ttlMs,
        lockTtlMs: this.#options.lockTtlMs,
        pollMs: this.#options.pollMs,
      });
    } catch (error) {
      if (checkFailed) throw error; // the checker's own error, unchanged
      throw new ProoflineError('CHECKER_INTERNAL', `The shared verdict cache in Redis failed (${(error as Error).message}); the check is retried`, { cause: error, retryable: true, details: { cache: 'redis', key } });
    }
  }
}

function parseVerdict(text: string): Verdict | null {
  try {
    const parsed = VerdictSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
