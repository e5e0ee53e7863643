import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The test Redis (`.ci/run` starts one on 127.0.0.1:6379 when none answers). */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Whether the test Redis answers PING within 1 s; when it does not, suites skip and say why. */
export async function redisReachable(port = 6379): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no Redis on 127.0.0.1:${port} (${(error as Error).message}); .ci/run starts one` };
  } finally {
    client.disconnect();
  }
}

export async function skipReason(port = 6379): Promise<string | null> {
  const reachable = await redisReachable(port);
  if (reachable.ok) return null;
  console.warn(`cluster tests skipped: ${reachable.reason}`);
  return reachable.reason;
}

/** A namespace of its own per test, so tests never see each other's keys or jobs. */
export function testNamespace(): string {
  return `pl-test-${randomUUID().slice(0, 12)}`;
}

/** A plain client for the test's own reads (never passed to BullMQ workers). */
export function testClient(): Redis {
  return new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
}

export async function keysOf(redis: Redis, namespace: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `*${namespace}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Deletes every key of the namespace (queues, caches, limiters). */
export async function dropNamespace(redis: Redis, namespace: string): Promise<void> {
  const keys = await keysOf(redis, namespace);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}
