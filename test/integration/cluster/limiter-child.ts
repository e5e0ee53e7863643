/**
 * One "worker process" for the rate-limit tests. Prints one JSON line per admission
 * (`{"at": ms, "units": n}`). Every child first waits at a barrier in Redis until all `<processes>`
 * are connected, so a slow start on a loaded machine cannot keep them from overlapping.
 *   limiter-child.ts tokens <namespace> <processes> <limit name> <units per window> <window ms> <margin ms> <units per request> <run ms>
 *   limiter-child.ts bullmq <namespace> <processes> <max jobs> <duration ms> <jobs in the queue>
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ClusterRateLimiter } from '../../../pipeline/cluster/cluster-rate-limiter.ts';
import { queuePrefix } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../../pipeline/cluster/redis-connection.ts';

const [mode, namespace, processesText, ...rest] = process.argv.slice(2);
const print = (units: number): void => void process.stdout.write(`${JSON.stringify({ at: Date.now(), units })}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function barrier(redis: Redis): Promise<void> {
  const key = `${namespace}:barrier:${mode}`;
  await redis.incr(key);
  const deadline = Date.now() + 60_000;
  while (Number(await redis.get(key)) < Number(processesText)) {
    if (Date.now() > deadline) throw new Error('the other processes never arrived at the barrier');
    await sleep(20);
  }
}

if (mode === 'tokens') {
  const [name, ...numbers] = rest;
  const [unitsPerWindow, windowMs, marginMs, units, runMs] = numbers.map(Number) as [number, number, number, number, number];
  const redis = await connectRedis('redis://127.0.0.1:6379', 'command');
  const limiter = new ClusterRateLimiter(redis, { name: name!, namespace: namespace!, unitsPerWindow, windowMs, marginMs });
  await barrier(redis);
  const stop = AbortSignal.timeout(runMs);
  try {
    for (;;) {
      const reservation = await limiter.acquire(units, stop);
      print(units);
      reservation.settle(units);
    }
  } catch (error) {
    if (!stop.aborted) throw error;
  }
  redis.disconnect();
} else if (mode === 'bullmq') {
  const [max, duration, jobs] = rest.map(Number) as [number, number, number];
  const connection = await connectRedis('redis://127.0.0.1:6379', 'queue');
  await barrier(connection);
  const prefix = queuePrefix(namespace!);
  const queue = new Queue('sample', { connection, prefix });
  const worker = new Worker('sample', async () => print(1), { connection, prefix, concurrency: 4, limiter: { max, duration } });
  const deadline = Date.now() + 60_000;
  while ((await queue.getCompletedCount()) < jobs && Date.now() < deadline) await sleep(50);
  await worker.close();
  await queue.close();
  connection.disconnect();
} else {
  throw new Error(`unknown mode ${mode}`);
}
