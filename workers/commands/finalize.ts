import { parseArgs } from 'node:util';
import { loadClusterConfig } from '../../pipeline/cluster/cluster-setup.ts';
import { finalizeClusterRun } from '../../pipeline/cluster/finalize-cluster-run.ts';
import { DEFAULT_NAMESPACE, checkNamespace } from '../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../pipeline/cluster/redis-connection.ts';
import { runKeys } from '../../pipeline/cluster/run-state.ts';
import { ProoflineError } from '../../pipeline/errors.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { reportFinalized } from './cluster-build.ts';

const USAGE = `Usage: proofline finalize --config FILE.yaml [--out DIR|s3://…] [--redis URL] RUN_ID

Completes a cluster run whose coordinator died: reads run.json, the problem list, the candidate
parts and the dead letters under work/<RUN_ID>/ in the output (Redis is not needed) and writes
runs/<RUN_ID>/ exactly as the coordinator would, manifest.json last. Refuses, writing nothing,
while any job has neither a part nor a dead letter.

Options:
  --config FILE     the run's build config (its hash must be the run's)
  --out URI         output root, overrides build.output
  --redis URL       also take the run's finalize lock in Redis, so a live coordinator and this do not both write
  --namespace NS    queue namespace for the lock (default ${DEFAULT_NAMESPACE})
`;

/** `proofline finalize RUN_ID`: finalizes a cluster run from the sink alone. */
export const runFinalize: Command = async (context) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: context.argv, allowPositionals: true,
      options: { config: { type: 'string' }, out: { type: 'string' }, redis: { type: 'string' }, namespace: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    context.stderr.write(`proofline finalize: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) return void context.stdout.write(USAGE), 0;
  if (values.config === undefined || positionals.length !== 1) {
    context.stderr.write(`proofline finalize: ${values.config === undefined ? 'expected --config FILE.yaml, got none' : `expected one RUN_ID, got ${positionals.length}`}\n\n${USAGE}`);
    return 2;
  }
  const runId = positionals[0]!;
  const setup = loadClusterConfig({ file: values.config, cwd: context.cwd, env: context.env, overrides: { output: values.out } });
  const redis = values.redis === undefined ? null : await connectRedis(values.redis, 'command', { connectionName: 'proofline-finalize' });
  const lockKey = redis === null ? null : runKeys(checkNamespace(values.namespace ?? DEFAULT_NAMESPACE), runId).finalizeLock;
  try {
    if (redis !== null && (await redis.set(lockKey!, String(process.pid), 'PX', 10 * 60_000, 'NX')) === null) {
      throw new ProoflineError('RUN_LOCKED', `Run ${runId} is being finalized by another process (${lockKey} is held); wait for it`);
    }
    const outcome = await finalizeClusterRun(setup, runId, REPO_ROOT);
    return reportFinalized(context, runId, setup.sink, outcome, 'finalize');
  } finally {
    if (redis !== null) {
      await redis.del(lockKey!).catch(() => {});
      redis.disconnect();
    }
    await setup.sink.close();
  }
};
