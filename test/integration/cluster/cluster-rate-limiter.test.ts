import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bullmqSampleLimiter, ClusterRateLimiter } from '../../../pipeline/cluster/cluster-rate-limiter.ts';
import { clusterJobId } from '../../../pipeline/cluster/job-payloads.ts';
import { queuePrefix } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../../pipeline/cluster/redis-connection.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { dropNamespace, REDIS_URL, skipReason, testClient, testNamespace } from './redis-kit.ts';

const skip = await skipReason();
const CHILD = fileURLToPath(new URL('./limiter-child.ts', import.meta.url));

interface Admission { at: number; units: number }

/** Runs one child "worker process" and returns its admissions. */
function runChild(args: string[]): Promise<Admission[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Admission)) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

/** The most units admitted in any window of `windowMs` (sliding, ending at each admission). */
function peakWindowUnits(admissions: Admission[], windowMs: number): number {
  const sorted = [...admissions].sort((a, b) => a.at - b.at);
  let peak = 0;
  for (const end of sorted) peak = Math.max(peak, sorted.filter((a) => a.at > end.at - windowMs && a.at <= end.at).reduce((sum, a) => sum + a.units, 0));
  return peak;
}

describe.skipIf(skip !== null)('cluster-wide rate limits (real Redis, two processes)', () => {
  let namespace: string;
  let redis: Redis;
  beforeEach(() => {
    namespace = testNamespace();
    redis = testClient();
  });
  afterEach(async () => {
    await dropNamespace(redis, namespace);
    redis.disconnect();
  });

  // 100 tokens per 1 s window, 10 per request, two processes asking as fast as they can for 2.6 s
  // (from a common start: limiter-child.ts waits at a barrier until both are connected).
  const tokenArgs = (name: string): string[] => ['tokens', namespace, '2', name, '100', '1000', '100', '10', '2600'];

  test('two processes sharing one token limit stay under it together', async () => {
    const [a, b] = await Promise.all([runChild(tokenArgs('bedrock-tokens')), runChild(tokenArgs('bedrock-tokens'))]);
    const all = [...a, ...b];
    expect(peakWindowUnits(all, 1000)).toBeLessThanOrEqual(100);
    // And the limit is used, not starved: three windows' worth in 2.6 s (1.1 s windows with the margin).
    expect(all.reduce((sum, x) => sum + x.units, 0)).toBeGreaterThanOrEqual(200);
  }, 20_000);

  test('the same two processes with a limit each (what a per-process limiter does) go over it — the check above can fail', async () => {
    const [a, b] = await Promise.all([runChild(tokenArgs('per-process-a')), runChild(tokenArgs('per-process-b'))]);
    expect(peakWindowUnits([...a, ...b], 1000)).toBeGreaterThan(100);
  }, 20_000);

  test('settling a reservation to the real usage frees the rest of it, cluster-wide', async () => {
    const client = await connectRedis(REDIS_URL, 'command');
    try {
      const limiter = new ClusterRateLimiter(client, { name: 'bedrock-tokens', namespace, unitsPerWindow: 1000, windowMs: 60_000 });
      const reservation = await limiter.acquire(900);
      expect(await limiter.usedUnits()).toBe(900);
      reservation.settle(120);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const other = new ClusterRateLimiter(client, { name: 'bedrock-tokens', namespace, unitsPerWindow: 1000, windowMs: 60_000 });
      expect(await other.usedUnits()).toBe(120);
      await other.acquire(800); // fits only because of the settle
      expect(await limiter.usedUnits()).toBe(920);
      const wait = other.acquire(200, AbortSignal.timeout(200));
      await expect(wait).rejects.toThrow();
    } finally {
      client.disconnect();
    }
  });

  test('Redis failing is a retryable SAMPLER_UNAVAILABLE: nothing is sent unmetered', async () => {
    const client = await connectRedis(REDIS_URL, 'command');
    const limiter = new ClusterRateLimiter(client, { name: 'bedrock-tokens', namespace, unitsPerWindow: 10, windowMs: 1000 });
    client.disconnect();
    const error = await limiter.acquire(1).catch((caught: unknown) => caught);
    expect(isProoflineError(error, 'SAMPLER_UNAVAILABLE')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });

  test("BullMQ's worker limiter holds across two worker processes (job starts per window)", async () => {
    const connection = await connectRedis(REDIS_URL, 'queue');
    const queue = new Queue('sample', { connection, prefix: queuePrefix(namespace) });
    try {
      for (let seq = 0; seq < 12; seq += 1) await queue.add('sample', { seq }, { jobId: clusterJobId('limit-run', seq, { from: 0, to: 4 }) });
      const { max, duration } = bullmqSampleLimiter(12, 500, 4); // 12 requests per 500 ms, 4 per job → 3 jobs per 500 ms
      expect({ max, duration }).toEqual({ max: 3, duration: 500 });
      const args = ['bullmq', namespace, '2', String(max), String(duration), '12'];
      const [a, b] = await Promise.all([runChild(args), runChild(args)]);
      const starts = [...a, ...b].map((x) => x.at).sort((x, y) => x - y);
      expect(starts).toHaveLength(12);
      // 12 jobs at 3 per 500 ms take three windows after the first batch (~1500 ms); two processes
      // limited each on their own (6 per 500 ms together) would take one (~500 ms). The threshold
      // sits between, leaving 500 ms for event-loop lag on a loaded machine either way.
      const offsets = starts.map((at) => at - starts[0]!);
      expect(starts.at(-1)! - starts[0]!, `job starts at +${offsets.join(', +')} ms`).toBeGreaterThanOrEqual(2 * 500);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }, 20_000);
});

describe('bullmqSampleLimiter', () => {
  test('turns requests per window into job starts per window, at least one', () => {
    expect(bullmqSampleLimiter(600, 60_000, 8)).toEqual({ max: 75, duration: 60_000 });
    expect(bullmqSampleLimiter(3, 60_000, 8)).toEqual({ max: 1, duration: 60_000 });
    expect(() => bullmqSampleLimiter(0, 60_000, 8)).toThrow(/requestsPerWindow/u);
  });
});
