import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';
import { ProoflineError } from '../errors.ts';
import { sleepMs } from '../sample/retry.ts';
import type { TokenReservation } from '../sample/token-rate-limiter.ts';
import { DEFAULT_NAMESPACE, limiterKeys } from './queue-names.ts';

/**
 * Admits `units` if the units admitted in the last window, plus these, fit the limit (or the window
 * is empty: a request larger than the limit goes alone rather than never). Redis' own clock
 * (TIME), not the workers', so clock skew between pods cannot stretch the window.
 * KEYS: entries (zset id → admission ms), units (hash id → units). ARGV: limit, window+margin ms, units, id.
 * Returns {1, 0} when admitted, {0, ms to wait} otherwise.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local span = tonumber(ARGV[2])
local cutoff = now - span
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  for i = 1, #expired, 500 do redis.call('HDEL', KEYS[2], unpack(expired, i, math.min(i + 499, #expired))) end
end
local used = 0
for _, v in ipairs(redis.call('HVALS', KEYS[2])) do used = used + tonumber(v) end
local units = tonumber(ARGV[3])
if redis.call('ZCARD', KEYS[1]) == 0 or used + units <= tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[4], units)
  redis.call('PEXPIRE', KEYS[1], span)
  redis.call('PEXPIRE', KEYS[2], span)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(oldest[2]) + span - now)}
`;

/** Settles a reservation to the units the backend counted, if it is still in the window. */
const SETTLE_SCRIPT = `if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end return 0`;

/** Units admitted in the window (read-only; for status and tests). */
const USED_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')
local used = 0
for _, id in ipairs(live) do used = used + tonumber(redis.call('HGET', KEYS[2], id) or '0') end
return used
`;

export interface ClusterRateLimiterOptions {
  /** `bedrock-tokens`, `bedrock-requests`: one limit per name, shared by every process of the namespace. */
  name: string;
  namespace?: string;
  unitsPerWindow: number;
  windowMs: number;
  /** As TokenRateLimiter's margin: units stay counted this long past the window (default max(250 ms, 2%)). */
  marginMs?: number;
}

/**
 * TokenRateLimiter's contract (`acquire(units, signal)` → a reservation to `settle` with the real
 * count) over a rolling window kept in Redis, so the limit holds for the whole cluster, not per
 * process. For Bedrock tokens per minute, units = reserved tokens (input estimate + max output),
 * settled to the usage; for requests per minute, units = 1 per request (never settled).
 * Callers within one process are served first come, first served; across processes admission is
 * by whoever asks first after room frees up (no global queue). A Redis failure is thrown as a
 * retryable SAMPLER_UNAVAILABLE naming Redis: nothing is sent unmetered.
 */
export class ClusterRateLimiter {
  readonly unitsPerWindow: number;
  readonly windowMs: number;
  readonly marginMs: number;
  readonly #redis: Redis;
  readonly #keys: { entries: string; units: string };
  #tail: Promise<void> = Promise.resolve();

  constructor(redis: RedisClient, options: ClusterRateLimiterOptions) {
    if (!(Number.isInteger(options.unitsPerWindow) && options.unitsPerWindow > 0)) throw new TypeError(`Expected unitsPerWindow to be a positive integer, got ${options.unitsPerWindow}`);
    if (!(Number.isInteger(options.windowMs) && options.windowMs > 0)) throw new TypeError(`Expected windowMs to be a positive integer, got ${options.windowMs}`);
    this.unitsPerWindow = options.unitsPerWindow;
    this.windowMs = options.windowMs;
    this.marginMs = Math.round(options.marginMs ?? Math.max(250, options.windowMs * 0.02));
    if (!(this.marginMs >= 0)) throw new TypeError(`Expected marginMs >= 0, got ${options.marginMs}`);
    this.#redis = redis as Redis; // a Cluster client has the same commands
    this.#keys = limiterKeys(options.name, options.namespace ?? DEFAULT_NAMESPACE);
  }

  /** Waits until `units` fit the cluster-wide window, then records them. Rejects if `signal` aborts first. */
  async acquire(units: number, signal?: AbortSignal): Promise<TokenReservation> {
    if (!(Number.isFinite(units) && units >= 0)) throw new TypeError(`Expected units >= 0, got ${units}`);
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      const id = randomUUID();
      for (;;) {
        signal?.throwIfAborted();
        const [admitted, waitMs] = (await this.#call(() => this.#redis.eval(ACQUIRE_SCRIPT, 2, this.#keys.entries, this.#keys.units, this.unitsPerWindow, this.windowMs + this.marginMs, Math.ceil(units), id))) as [number, number];
        if (admitted === 1) return this.#reservation(id, Math.ceil(units));
        await sleepMs(waitMs + Math.floor(Math.random() * 20), signal);
      }
    } finally {
      release();
    }
  }

  /** Units admitted within the current window, cluster-wide. */
  async usedUnits(): Promise<number> {
    return Number(await this.#call(() => this.#redis.eval(USED_SCRIPT, 2, this.#keys.entries, this.#keys.units, this.windowMs + this.marginMs)));
  }

  #reservation(id: string, units: number): TokenReservation {
    return {
      tokens: units,
      settle: (actual: number) => {
        // Fire and forget: a settle that fails leaves the (larger) reservation counted — conservative.
        void this.#redis.eval(SETTLE_SCRIPT, 2, this.#keys.entries, this.#keys.units, id, Math.max(0, Math.ceil(actual))).catch(() => {});
      },
    };
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw new ProoflineError('SAMPLER_UNAVAILABLE', `The cluster rate limiter cannot reach Redis (${(cause as Error).message}); no request is sent unmetered, the job is retried`, { cause, retryable: true, details: { limiter: this.#keys.entries } });
    }
  }
}

/**
 * BullMQ's own limiter for a sample queue (the `limiter` option of its Worker): it is global per
 * queue (kept in Redis), and bounds job STARTS. With k samples per job that is at most
 * `max × k` requests per window plus retries, so it is the coarse first gate; the exact
 * requests-per-minute bound is a ClusterRateLimiter with units = 1 per request.
 */
export function bullmqSampleLimiter(requestsPerWindow: number, windowMs: number, samplesPerJob: number): { max: number; duration: number } {
  if (!(Number.isInteger(requestsPerWindow) && requestsPerWindow > 0)) throw new TypeError(`Expected requestsPerWindow to be a positive integer, got ${requestsPerWindow}`);
  if (!(Number.isInteger(samplesPerJob) && samplesPerJob > 0)) throw new TypeError(`Expected samplesPerJob to be a positive integer, got ${samplesPerJob}`);
  return { max: Math.max(1, Math.floor(requestsPerWindow / samplesPerJob)), duration: windowMs };
}
