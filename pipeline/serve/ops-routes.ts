import type { FastifyInstance } from 'fastify';
import type { CheckerRewardService } from './reward-service.ts';
import type { ServeConfig } from './serve-config.ts';

/** `GET /healthz` (the process answers), `/readyz` (the warm pool answered a canary), `/metrics`, `/v1/info`. */
export async function opsRoutes(app: FastifyInstance, deps: { service: CheckerRewardService; config: ServeConfig; leanTimeoutMs: number }): Promise<void> {
  const { service, config } = deps;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { isReady, detail } = service.readiness;
    if (!isReady) reply.code(503).header('retry-after', '5');
    return { ready: isReady, detail };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(service.metrics.registry.contentType);
    return service.metrics.registry.metrics();
  });
  app.get('/v1/info', async () => ({
    verifier: service.versions,
    ready: service.readiness.isReady,
    problems: service.problemCount,
    lean_timeout_s: deps.leanTimeoutMs / 1000,
    deadline: { header: 'X-Deadline-Ms', body: 'timeout_s', default_timeout_s: config.deadline.default_timeout_s, max_timeout_s: config.deadline.max_timeout_s },
    limits: { max_items: config.limits.max_items, body_limit_bytes: config.limits.body_limit_bytes },
    capacity: {
      concurrency: service.scheduler.limits.concurrency,
      running: service.scheduler.running,
      queued: service.scheduler.queued,
      max_queued: service.scheduler.limits.maxQueued,
      max_queued_per_client: service.scheduler.limits.maxQueuedPerClient,
      waiting_items: service.waitingItems,
      max_waiting_items: config.queue.max_waiting_items,
      max_waiting_items_per_client: config.queue.max_waiting_items_per_client,
      waiting_bytes: service.waitingBytes,
      max_waiting_bytes: config.queue.max_waiting_bytes,
      max_waiting_bytes_per_client: config.queue.max_waiting_bytes_per_client,
    },
    fair_queuing: 'per client, round-robin; client = bearer token identity, else X-Client-Id, else remote address',
    reward: { default: 'binary Lean verdict', require_format: config.reward.require_format },
  }));
}
