import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { DEFAULT_NAMESPACE, QUEUE_STAGES, checkNamespace, queuePrefix } from '../../pipeline/cluster/queue-names.ts';
import { connectRedis } from '../../pipeline/cluster/redis-connection.ts';
import { readRunProgress, readWorkers } from '../../pipeline/cluster/run-state.ts';
import type { Command } from '../command-context.ts';

const USAGE = `Usage: proofline status --redis URL [--namespace NS] RUN_ID

Prints a cluster run's state as one JSON object: jobs finished of total, rates (jobs/s overall and
over the last minute), dead letters by stage and error code, queue depths, and every worker of the
namespace with its liveness (heartbeat younger than 15 s). Exit 1 when Redis has no such run.

Options:
  --redis URL       redis://[:password@]host:port[/db] or rediss://…
  --namespace NS    queue namespace (default ${DEFAULT_NAMESPACE})
`;

/** `proofline status RUN_ID`: progress, rates, failures by code, workers. */
export const runStatus: Command = async (context) => {
  let parsed;
  try {
    parsed = parseArgs({ args: context.argv, allowPositionals: true, options: { redis: { type: 'string' }, namespace: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    context.stderr.write(`proofline status: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) return void context.stdout.write(USAGE), 0;
  if (values.redis === undefined || positionals.length !== 1) {
    context.stderr.write(`proofline status: ${values.redis === undefined ? 'expected --redis URL, got none' : `expected one RUN_ID, got ${positionals.length}`}\n\n${USAGE}`);
    return 2;
  }
  const namespace = checkNamespace(values.namespace ?? DEFAULT_NAMESPACE);
  const runId = positionals[0]!;
  const redis = await connectRedis(values.redis, 'command', { connectionName: 'proofline-status' });
  const queues = QUEUE_STAGES.map((stage) => new Queue(stage, { connection: redis, prefix: queuePrefix(namespace) }));
  try {
    const progress = await readRunProgress(redis, namespace, runId);
    if (progress === null) {
      context.stderr.write(`proofline status: no run ${runId} in namespace ${namespace} (not started with --cluster here, or Redis lost it; \`proofline finalize\` reads the sink alone)\n`);
      return 1;
    }
    const depths = Object.fromEntries(await Promise.all(queues.map(async (queue) => [queue.name, await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed')] as const)));
    const workers = await readWorkers(redis, namespace);
    context.stdout.write(`${JSON.stringify({ ...progress, queues: depths, workers: { alive: workers.filter((w) => w.alive).length, list: workers } }, null, 2)}\n`);
    return 0;
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
  }
};
