import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadClusterConfig } from '../../pipeline/cluster/cluster-setup.ts';
import { openProofChecker } from '../../pipeline/lean/open-checker.ts';
import { runClusterWorker } from '../../pipeline/cluster/cluster-worker.ts';
import { ClusterRateLimiter } from '../../pipeline/cluster/cluster-rate-limiter.ts';
import { DEFAULT_NAMESPACE, checkNamespace } from '../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../pipeline/cluster/redis-connection.ts';
import { createRedisSampleCache } from '../../pipeline/cluster/redis-sample-cache.ts';
import { RedisVerdictCache } from '../../pipeline/cluster/redis-verdict-cache.ts';
import { newWorkerId, startHeartbeat } from '../../pipeline/cluster/run-state.ts';
import { ProoflineError } from '../../pipeline/errors.ts';
import { extractProof } from '../../pipeline/extract/extract-proof.ts';
import { createSampler, remoteSection } from '../../pipeline/sample/create-sampler.ts';
import { SamplingStats } from '../../pipeline/sample/sampling-stats.ts';
import { createCheckStage } from '../../pipeline/stages/check-stage.ts';
import { createSampleStage } from '../../pipeline/stages/sample-stage.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { readApiKey } from './sample.ts';

const USAGE = `Usage: proofline worker --config FILE.yaml --redis redis://host:6379 [--role sample|check|all] [options]

A cluster worker: takes sample and/or check jobs of any run enqueued by \`proofline build --cluster\`
in the namespace, runs the same stage handlers as a local build (model calls through the shared
Redis sample cache and cluster-wide rate limit, Lean checks through the shared Redis verdict
cache), and writes each job's candidate part under work/<run-id>/ in the build's output. Workers
can join and leave at any time; a worker killed mid-job has its job recovered by another one.
SIGTERM/SIGINT: finish the jobs in flight, then exit.

Options:
  --config FILE        the build config the coordinator runs (its hash must match the jobs')
  --redis URL          redis://[:password@]host:port[/db] or rediss://… (TLS)
  --role ROLE          sample, check or all (default all)
  --namespace NS       queue namespace (default ${DEFAULT_NAMESPACE}; the BullMQ prefix is {NS})
  --out URI            output root, overrides build.output (must be the coordinator's)
  --concurrency N      jobs in flight per queue (default: check = lean.pool.size, sample = 4)
  --lock-ms MS         job lock; a dead worker's job is recovered about this long after it died (default 30000)
  --attempts N         attempts of the check jobs this worker enqueues (default 3; the coordinator's for sample jobs)
  --backoff-ms MS      first retry delay, doubled per attempt (default 2000)
`;

/** `proofline worker`: a BullMQ worker on the cluster's sample and/or check queues. */
export const runWorker: Command = async (context) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: context.argv,
      options: {
        config: { type: 'string' }, redis: { type: 'string' }, role: { type: 'string' }, namespace: { type: 'string' }, out: { type: 'string' },
        concurrency: { type: 'string' }, 'lock-ms': { type: 'string' }, attempts: { type: 'string' }, 'backoff-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    context.stderr.write(`proofline worker: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) return void context.stdout.write(USAGE), 0;
  const role = values.role ?? 'all';
  const problem =
    values.config === undefined ? 'expected --config FILE.yaml, got none'
    : values.redis === undefined ? 'expected --redis redis://host:port, got none'
    : !['sample', 'check', 'all'].includes(role) ? `expected --role sample, check or all, got ${role}`
    : null;
  if (problem !== null) {
    context.stderr.write(`proofline worker: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const int = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new ProoflineError('CONFIG_INVALID', `Expected --${name} to be a positive integer, got ${raw}`);
    return value;
  };
  const namespace = checkNamespace(values.namespace ?? DEFAULT_NAMESPACE);
  const { config, hash, template, sink } = loadClusterConfig({ file: values.config!, cwd: context.cwd, env: context.env, overrides: { output: values.out } });
  const logger = pino({ level: config.log.level }, pino.destination(2));
  const lockMs = int('lock-ms', values['lock-ms'], 30_000);
  const jobOptions = { attempts: int('attempts', values.attempts, 3), backoffMs: int('backoff-ms', values['backoff-ms'], 2_000) };
  const redisUrl = values.redis!;
  const workerId = newWorkerId();
  const connections: { disconnect(): void }[] = [];
  const connect = async (name: string, kind: 'queue' | 'command') => {
    const client = await connectRedis(redisUrl, kind, { connectionName: `proofline-worker-${name}` });
    connections.push(client);
    return client;
  };
  const redis = await connect('command', 'command');
  const closers: (() => Promise<void>)[] = [];
  let jobsDone = 0;
  const heartbeat = startHeartbeat(redis, namespace, workerId, { role }, () => jobsDone);
  try {
    let sample = null;
    if (role !== 'check') {
      const samplerConfig = config.sampler;
      const remote = remoteSection(samplerConfig);
      const sampler = await createSampler(samplerConfig, { cwd: context.cwd, apiKey: readApiKey(samplerConfig, context.env) });
      closers.push(() => sampler.close());
      // Tokens per minute across every worker of the namespace (the Redis limiter, not a per-process one).
      const limiter = remote?.tokens_per_minute
        ? new ClusterRateLimiter(redis, { name: 'bedrock-tokens', namespace, unitsPerWindow: remote.tokens_per_minute, windowMs: remote.rate_window_ms })
        : null;
      sample = createSampleStage({
        sampler, template, stats: new SamplingStats(), extract: extractProof, timeoutMs: samplerConfig.timeout_ms,
        cache: createRedisSampleCache(redis, { namespace }),
        limiter,
        retry: { maxAttempts: samplerConfig.retry.max_attempts, baseDelayMs: samplerConfig.retry.base_delay_ms, maxDelayMs: samplerConfig.retry.max_delay_ms },
      });
    }
    let check = null;
    if (role !== 'sample') {
      const { checker } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, logger, cache: new RedisVerdictCache(redis, { namespace }) });
      closers.push(() => checker.close());
      check = createCheckStage(checker);
    }
    await runClusterWorker({
      connect: () => connect(`queue-${connections.length}`, 'queue'),
      redis, namespace, workerId, configHash: hash, sink, role: role as 'sample' | 'check' | 'all', sample, check,
      sampleConcurrency: int('concurrency', values.concurrency, 4),
      // One job per REPL of the pool: a worker that takes more jobs than it can check holds them
      // back from idle workers at the tail of a run.
      checkConcurrency: int('concurrency', values.concurrency, config.lean.pool.size),
      lockMs, jobOptions, logger, signal: context.signal, onJobDone: () => void (jobsDone += 1),
    });
    return 0;
  } finally {
    await heartbeat.stop();
    for (const close of closers.reverse()) await close().catch(() => {});
    await sink.close();
    for (const connection of connections) connection.disconnect();
  }
};
