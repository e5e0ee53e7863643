/**
 * Cluster mode benchmark (issue #9), two parts:
 *
 * 1. Throughput with 1, 2, 4, 8 worker processes (`proofline worker --role all`, one checking REPL
 *    each) on the same cluster run, side by side in one invocation, with the recorded-Lean
 *    double's simulated cost (RECORDED_LEAN_CMD_MS: the double sleeps, so more workers than cores
 *    can still scale). Measured from the run's start (the coordinator's `started_at` in Redis) to
 *    its last finished job (the `finished-at` sorted set), so process start-up and finalize are
 *    outside the figure. Efficiency = throughput(W) / (W × throughput(1)).
 * 2. Queue overhead per job: the cluster's BullMQ path with no-op stages — add the sample job,
 *    take it, add the check job, take it, mark it finished — one job at a time, against the
 *    in-process p-queue a local build uses for the same two hops.
 *
 * Usage: npx node bench/cluster-throughput.ts [--workers 1,2,4,8] [--n 4] [--cmd-ms 250] [--jobs 2000] [--problems N]
 * Needs Redis on 127.0.0.1:6379. Writes bench/results/cluster-throughput.{json,md}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import PQueue from 'p-queue';
import { markFinished, readWorkers, runKeys } from '../pipeline/cluster/run-state.ts';
import { queuePrefix } from '../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../pipeline/cluster/redis-connection.ts';
import { writeBuildFixture } from '../test/integration/build/build-kit.ts';
import { describeMachine } from './bench-report.ts';

const REPO = join(import.meta.dirname, '..');
const CLI = join(REPO, 'bin', 'proofline.js');
const REDIS = 'redis://127.0.0.1:6379';
// Runs on import (bench/run.ts passes its own argv: drop the benchmark's name in front of the flags).
const argv = process.argv.slice(2);
const { values } = parseArgs({ args: argv[0] === 'cluster-throughput' ? argv.slice(1) : argv, options: { workers: { type: 'string', default: '1,2,4,8' }, n: { type: 'string', default: '4' }, 'cmd-ms': { type: 'string', default: '250' }, jobs: { type: 'string', default: '2000' }, problems: { type: 'string', default: '1000' } } });
const workerCounts = values.workers.split(',').map(Number);
const n = Number(values.n);
const cmdMs = Number(values['cmd-ms']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cli(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<number | null>; err: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PROOFLINE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve(code))), err: () => err };
}

async function dropNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${namespace}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
// L3 off: each accept's L3 spawns four fresh double processes (~1 s of CPU each to load the transcript
// index), which would make the run CPU-bound on a small machine instead of bound by the simulated Lean cost.
// The simulated cost goes in lean.env: Lean processes get only that environment, not the worker's.
const fixture = await writeBuildFixture({ n, maxProblems: Number(values.problems), extraConfig: `  confirm: false\n  env: { RECORDED_LEAN_CMD_MS: "${cmdMs}" }` });
const env = { RECORDED_LEAN_CMD_MS: String(cmdMs), PROOFLINE_CONFIG__LEAN__POOL__SIZE: '1' };
const throughput: { workers: number; jobs: number; candidates: number; seconds: number; candidates_per_s: number; efficiency: number | null; load_before: number }[] = [];
for (const count of workerCounts) {
  const namespace = `bench-cluster-${count}-${process.pid}`;
  const out = join(fixture.dir, `out-${count}`);
  const load = loadavg()[0]!;
  const workers = Array.from({ length: count }, () => cli(['worker', '--config', fixture.config, '--redis', REDIS, '--namespace', namespace, '--out', out], env));
  // Every worker up (heartbeat) before the run starts.
  for (let i = 0; i < 600 && (await readWorkers(redis, namespace)).filter((w) => w.alive).length < count; i += 1) await sleep(100);
  const up = (await readWorkers(redis, namespace)).filter((w) => w.alive).length;
  if (up < count) {
    for (const w of workers) w.child.kill('SIGKILL');
    throw new Error(`only ${up} of ${count} workers came up; stderr of the first: ${workers.map((w) => w.err()).find((e) => e !== '')?.slice(-2000) ?? '(none)'}`);
  }
  const coordinator = cli(['build', '--config', fixture.config, '--run-id', 'bench', '--out', out, '--cluster', REDIS, '--namespace', namespace, '--poll-ms', '100'], env);
  const code = await coordinator.done;
  if (code !== 0) throw new Error(`coordinator exited ${code}: ${coordinator.err().slice(-2000)}`);
  const keys = runKeys(namespace, 'bench');
  const started = Number(await redis.hget(keys.run, 'started_at'));
  const [, last] = await redis.zrange(keys.finishedAt, '-1', '-1', 'WITHSCORES');
  const jobs = await redis.scard(keys.finished);
  const seconds = (Number(last) - started) / 1000;
  const candidates = jobs * n;
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
  await dropNamespace(redis, namespace);
  const perS = candidates / seconds;
  const base = throughput[0];
  throughput.push({ workers: count, jobs, candidates, seconds: Math.round(seconds * 100) / 100, candidates_per_s: Math.round(perS * 100) / 100, efficiency: base === undefined ? (count === 1 ? 1 : null) : Math.round((perS / (count * (base.candidates_per_s / base.workers))) * 1000) / 1000, load_before: load });
  console.log(JSON.stringify(throughput.at(-1)));
}

// Queue overhead per job: the cluster's two hops with no-op stages vs the in-process queues.
const jobCount = Number(values.jobs);
async function queueOverhead(concurrency: number) {
  const namespace = `bench-overhead-${concurrency}-${process.pid}`;
  const prefix = queuePrefix(namespace);
  const connections: Redis[] = [];
  const connect = async () => {
    const c = await connectRedis(REDIS, 'queue');
    connections.push(c);
    return c;
  };
  const command = await connectRedis(REDIS, 'command');
  const sampleQueue = new Queue('sample', { connection: await connect(), prefix });
  const checkQueue = new Queue('check', { connection: await connect(), prefix });
  let finished = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((resolve) => (resolveAll = resolve));
  const opts = { removeOnComplete: true, attempts: 3, backoff: { type: 'exponential' as const, delay: 1000 } };
  const sampleWorker = new Worker('sample', async (job) => void (await checkQueue.add('check', job.data, { ...opts, jobId: job.id! })), { connection: await connect(), prefix, concurrency });
  const checkWorker = new Worker('check', async (job) => {
    await markFinished(command, namespace, 'bench', job.id!);
    if (++finished === jobCount) resolveAll();
  }, { connection: await connect(), prefix, concurrency });
  const load = loadavg()[0]!;
  const t0 = performance.now();
  // Added in pages as the coordinator does; the figure is wall time per job with the queue kept busy.
  for (let i = 0; i < jobCount; i += 500) {
    await sampleQueue.addBulk(Array.from({ length: Math.min(500, jobCount - i) }, (_, k) => ({ name: 'sample', data: { i: i + k, payload: 'x'.repeat(2000) }, opts: { ...opts, jobId: `bench/p${String(i + k).padStart(8, '0')}/s0-4` } })));
  }
  await allDone;
  const clusterMs = performance.now() - t0;
  await sampleWorker.close();
  await checkWorker.close();
  await sampleQueue.close();
  await checkQueue.close();
  await dropNamespace(redis, namespace);
  for (const c of connections) c.disconnect();
  command.disconnect();

  const samples = new PQueue({ concurrency });
  const checks = new PQueue({ concurrency });
  const t1 = performance.now();
  let localDone = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < jobCount; i += 1) void samples.add(async () => void checks.add(async () => void (++localDone === jobCount && resolve())));
  });
  const localMs = performance.now() - t1;
  return { concurrency, jobs: jobCount, cluster_ms_per_job: Math.round((clusterMs / jobCount) * 1000) / 1000, in_process_ms_per_job: Math.round((localMs / jobCount) * 10000) / 10000, overhead_ms_per_job: Math.round(((clusterMs - localMs) / jobCount) * 1000) / 1000, load_before: load };
}
const overheads = [await queueOverhead(1), await queueOverhead(8)];
for (const o of overheads) console.log(JSON.stringify(o));
redis.disconnect();
await rm(fixture.dir, { recursive: true, force: true });

const machine = describeMachine();
const command_ = `npx node bench/cluster-throughput.ts --workers ${values.workers} --n ${n} --cmd-ms ${cmdMs} --jobs ${jobCount} --problems ${values.problems}`;
const report = { name: 'cluster-throughput', command: command_, machine, at: new Date().toISOString(), parameters: { problems: fixture.problems, n, simulated_ms_per_lean_command: cmdMs, repl_per_worker: 1, samples_per_job: n }, throughput, queue_overhead: overheads };
const results = join(REPO, 'bench', 'results');
await mkdir(results, { recursive: true });
await writeFile(join(results, 'cluster-throughput.json'), `${JSON.stringify(report, null, 2)}\n`);
const md = [
  '# cluster-throughput',
  '',
  `\`${command_}\` — ${report.at}; ${machine.cores} cores, ${machine.cpu_model}, ${machine.node}`,
  '',
  `${fixture.problems} problems × n = ${n} (one job per problem), recorded-Lean double sleeping ${cmdMs} ms per REPL command, one REPL per worker, workers = \`proofline worker --role all\` processes on this machine, coordinator = \`proofline build --cluster\`. Time = run start → last job finished (Redis). 1-minute load average before each row.`,
  '',
  '| workers | jobs | candidates | seconds | candidates/s | efficiency vs linear | load avg |',
  '|---|---|---|---|---|---|---|',
  ...throughput.map((t) => `| ${t.workers} | ${t.jobs} | ${t.candidates} | ${t.seconds} | ${t.candidates_per_s} | ${t.efficiency === null ? '–' : `${Math.round(t.efficiency * 100)}%`} | ${t.load_before.toFixed(1)} |`),
  '',
  `Queue overhead per job (${jobCount} jobs, no-op stages: sample hop + check hop + finished mark, payload 2 KB; one Redis on this machine), against the in-process p-queues of a local build at the same concurrency:`,
  '',
  '| jobs in flight per queue | cluster ms/job | in-process ms/job | overhead ms/job (target < 2) | load avg |',
  '|---|---|---|---|---|',
  ...overheads.map((o) => `| ${o.concurrency} | ${o.cluster_ms_per_job} | ${o.in_process_ms_per_job} | **${o.overhead_ms_per_job}** | ${o.load_before.toFixed(1)} |`),
  '',
].join('\n');
await writeFile(join(results, 'cluster-throughput.md'), md);
console.log(md);
process.exit(0);
