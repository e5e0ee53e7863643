import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { defaultRunId } from '../../pipeline/build/run-identity.ts';
import { publishLatest } from '../../pipeline/build/finalize.ts';
import { loadClusterConfig } from '../../pipeline/cluster/cluster-setup.ts';
import { runCoordinator } from '../../pipeline/cluster/coordinator.ts';
import type { ClusterFinalizeOutcome } from '../../pipeline/cluster/finalize-cluster-run.ts';
import { MAX_SAMPLES_PER_JOB } from '../../pipeline/cluster/job-payloads.ts';
import { DEFAULT_NAMESPACE, checkNamespace } from '../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../pipeline/cluster/redis-connection.ts';
import { ProoflineError } from '../../pipeline/errors.ts';
import type { Sink } from '../../pipeline/sinks/sink.ts';
import type { Command, CommandContext } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';

export const CLUSTER_BUILD_USAGE = `
Cluster mode (docs/cluster.md): proofline build --config FILE.yaml --cluster redis://host:6379 [options]
  --cluster URL         enqueue the run on Redis for \`proofline worker\` processes and coordinate it:
                        validate the problems, write work/<run-id>/ to the output, enqueue the jobs,
                        follow them, finalize when every job has a part or a dead letter
  --namespace NS        queue namespace (default ${DEFAULT_NAMESPACE}; workers must use the same)
  --samples-per-job N   samples per job (default n: one job per problem)
  --max-queued-jobs N   waiting jobs above which enqueueing pauses (default 10000)
  --attempts N          attempts per job before its dead letter (default 3)
  --backoff-ms MS       first retry delay, doubled per attempt (default 2000)
  --poll-ms MS          progress poll interval (default 500)
`;

/** `proofline build`: the local build, or with --cluster the cluster coordinator. */
export const runBuildCommand: Command = async (context) => {
  const cluster = context.argv.some((arg) => arg === '--cluster' || arg.startsWith('--cluster='));
  if (!cluster) {
    const { runBuild } = await import('./build.ts');
    const code = await runBuild(context);
    if (context.argv.includes('--help') || context.argv.includes('-h')) context.stdout.write(CLUSTER_BUILD_USAGE);
    return code;
  }
  return runClusterBuild(context);
};

async function runClusterBuild(context: CommandContext): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: context.argv,
      options: {
        config: { type: 'string' }, out: { type: 'string' }, problems: { type: 'string' }, 'run-id': { type: 'string' }, n: { type: 'string' }, 'skip-invalid': { type: 'boolean' },
        cluster: { type: 'string' }, namespace: { type: 'string' }, 'samples-per-job': { type: 'string' }, 'max-queued-jobs': { type: 'string' },
        attempts: { type: 'string' }, 'backoff-ms': { type: 'string' }, 'poll-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    context.stderr.write(`proofline build: ${(error as Error).message}\n${CLUSTER_BUILD_USAGE}`);
    return 2;
  }
  if (values.help === true) return void context.stdout.write(CLUSTER_BUILD_USAGE), 0;
  const int = (name: string, raw: string | undefined, fallback: number | undefined): number | undefined => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new ProoflineError('CONFIG_INVALID', `Expected --${name} to be a positive integer, got ${raw}`);
    return value;
  };
  if (values.config === undefined) {
    context.stderr.write(`proofline build: expected --config FILE.yaml, got none\n${CLUSTER_BUILD_USAGE}`);
    return 2;
  }
  const namespace = checkNamespace(values.namespace ?? DEFAULT_NAMESPACE);
  const setup = loadClusterConfig({ file: values.config, cwd: context.cwd, env: context.env, overrides: { output: values.out, problems: values.problems, runId: values['run-id'], n: int('n', values.n, undefined) } });
  const { config, hash, sink } = setup;
  if (config.build.problems === undefined) throw new ProoflineError('CONFIG_INVALID', 'Expected a problem set in `build.problems` or --problems, got none');
  const n = config.sampler.n;
  const samplesPerJob = Math.min(int('samples-per-job', values['samples-per-job'], n)!, n);
  if (samplesPerJob > MAX_SAMPLES_PER_JOB) throw new ProoflineError('CONFIG_INVALID', `Expected --samples-per-job of at most ${MAX_SAMPLES_PER_JOB}, got ${samplesPerJob}`);
  const runId = config.build.run_id ?? defaultRunId(config.build.name, hash, new Date());
  const logger = pino({ level: config.log.level }, pino.destination(2));

  if (await alreadyCommitted(sink, runId, hash, context)) return 0;
  const queueConnection = await connectRedis(values.cluster!, 'queue', { connectionName: 'proofline-coordinator-queue' });
  const redis = await connectRedis(values.cluster!, 'command', { connectionName: 'proofline-coordinator' });
  let lastReport = 0;
  try {
    const outcome = await runCoordinator({
      setup, runId, problemsUri: config.build.problems, skipInvalid: values['skip-invalid'] === true, queueConnection, redis, namespace, samplesPerJob,
      maxQueuedJobs: int('max-queued-jobs', values['max-queued-jobs'], 10_000)!,
      jobOptions: { attempts: int('attempts', values.attempts, 3)!, backoffMs: int('backoff-ms', values['backoff-ms'], 2_000)! },
      pollMs: int('poll-ms', values['poll-ms'], 500)!, redisGraceMs: 30_000, repoRoot: REPO_ROOT, logger, stderr: context.stderr, signal: context.signal,
      onProgress: (finished, total) => {
        if (Date.now() - lastReport < 5_000 && finished < total) return;
        lastReport = Date.now();
        context.stderr.write(`proofline build: run ${runId}: ${finished}/${total} jobs finished\n`);
      },
    });
    if (outcome.kind === 'invalid_problems') return 2;
    if (outcome.kind === 'interrupted') {
      context.stderr.write(`proofline build: interrupted; the jobs stay queued for the workers. Rerun the same command to follow and finalize the run, or \`proofline finalize\` once it is done.\n`);
      return 1;
    }
    return reportFinalized(context, runId, sink, outcome);
  } finally {
    queueConnection.disconnect();
    redis.disconnect();
    await sink.close();
  }
}

/** As `proofline build`: a run committed complete is not redone (latest.json is repaired if a kill left it behind). */
async function alreadyCommitted(sink: Sink, runId: string, hash: string, context: CommandContext): Promise<boolean> {
  const manifestKey = `runs/${runId}/manifest.json`;
  const committed = await sink.get(manifestKey);
  if (committed === null) return false;
  const manifest = JSON.parse(Buffer.from(committed).toString('utf8')) as { status?: string; config_hash?: string };
  if (manifest.config_hash !== undefined && manifest.config_hash !== hash) {
    throw new ProoflineError('CONFIG_INVALID', `Run ${runId} is committed with config hash ${manifest.config_hash.slice(0, 12)}…, this config has ${hash.slice(0, 12)}…; pass another --run-id for a different config`);
  }
  if (manifest.status !== 'complete') return false;
  if (await publishLatest(sink, manifestKey, Buffer.from(committed).toString('utf8'))) context.stderr.write(`proofline build: latest.json now points at run ${runId}.\n`);
  context.stderr.write(`proofline build: run ${runId} is already committed (${sink.uri}/${manifestKey}); nothing to do. Pass --run-id to start another.\n`);
  return true;
}

/** The build_summary line (as a local build prints it, plus the dead letters by code); exit 1 for a partial run, 2 when jobs are unaccounted for. */
export function reportFinalized(context: CommandContext, runId: string, sink: Sink, outcome: ClusterFinalizeOutcome, command = 'build'): number {
  if (outcome.kind === 'unaccounted') {
    const first = outcome.jobs.slice(0, 10).map((job) => `problem #${job.seq} samples ${job.from}..${job.to - 1}`).join(', ');
    context.stderr.write(`proofline ${command}: run ${runId} is not finished: ${outcome.jobs.length} job(s) have neither a part nor a dead letter in ${sink.uri} (${first}${outcome.jobs.length > 10 ? ', …' : ''}); nothing was written. Wait for the workers, or rerun \`proofline build --cluster\` to re-enqueue them.\n`);
    return 1;
  }
  const { result, deadLetters } = outcome;
  const { summary, counters } = result.stats;
  context.stdout.write(
    `${JSON.stringify({ event: 'build_summary', run_id: runId, status: result.status, manifest: `${sink.uri}/${result.manifestKey}`, problems: summary.problems, candidates: counters.candidates, accepted: counters.by_kind.accepted, rejected: counters.by_kind.rejected, check_errors: counters.errors_by_code, missing_candidates: result.missingCandidates, dead_letters: deadLetters, pass_at_1: summary.pass_at_k.find((p) => p.k === 1)?.mean ?? null, held_out: summary.held_out })}\n`,
  );
  if (result.status !== 'complete') {
    context.stderr.write(`proofline ${command}: run ${runId} is partial: ${counters.by_kind.error} check(s) failed for infrastructure reasons, ${result.missingCandidates} candidate(s) were never sampled (dead letters: ${JSON.stringify(deadLetters)}). The manifest says "partial" and latest.json was not moved.\n`);
    return 1;
  }
  return 0;
}
