/**
 * One "worker process" for the rate-limit tests. Prints one JSON line per admission
 * (`{"at": ms, "units": n}`) and exits when its time is up.
 *   limiter-child.ts tokens <namespace> <limit name> <units per window> <window ms> <margin ms> <units per request> <run ms>
 *   limiter-child.ts bullmq <namespace> <max jobs> <duration ms> <run ms>
 */
import { Worker } from 'bullmq';
import { ClusterRateLimiter } from '../../../pipeline/cluster/cluster-rate-limiter.ts';
import { queuePrefix } from '../../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../../pipeline/cluster/redis-connection.ts';

const [mode, namespace, ...rest] = process.argv.slice(2);
const numbers = rest.map(Number);
const print = (units: number): void => void process.stdout.write(`${JSON.stringify({ at: Date.now(), units })}\n`);

if (mode === 'tokens') {
  const [name] = rest;
  const [, unitsPerWindow, windowMs, marginMs, units, runMs] = numbers as [number, number, number, number, number, number];
  const redis = await connectRedis('redis://127.0.0.1:6379', 'command');
  const limiter = new ClusterRateLimiter(redis, { name: name!, namespace: namespace!, unitsPerWindow, windowMs, marginMs });
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
  const [max, duration, runMs] = numbers as [number, number, number];
  const connection = await connectRedis('redis://127.0.0.1:6379', 'queue');
  const worker = new Worker('sample', async () => print(1), { connection, prefix: queuePrefix(namespace!), concurrency: 4, limiter: { max, duration } });
  await new Promise((resolve) => setTimeout(resolve, runMs));
  await worker.close();
  connection.disconnect();
} else {
  throw new Error(`unknown mode ${mode}`);
}
