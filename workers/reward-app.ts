import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ADAPTERS } from '../pipeline/serve/adapters/index.ts';
import type { AdapterDeps } from '../pipeline/serve/adapters/adapter-deps.ts';
import { createTokenMatcher, type ClientToken } from '../pipeline/serve/bearer-auth.ts';
import { errorResponse } from '../pipeline/serve/error-response.ts';
import { opsRoutes } from '../pipeline/serve/ops-routes.ts';
import { RefusalLog } from '../pipeline/serve/refusal-log.ts';
import { unauthenticatedClientId } from '../pipeline/serve/request-options.ts';
import type { CheckerRewardService } from '../pipeline/serve/reward-service.ts';
import type { ServeConfig } from '../pipeline/serve/serve-config.ts';
import { ServeError } from '../pipeline/serve/serve-error.ts';
import { assertItemCount, VERIFY_AJV_OPTIONS, verifyRoutes } from '../pipeline/serve/verify-route.ts';
import type { RewardService } from '../pipeline/serve/reward-contract.ts';

export interface RewardAppDeps {
  service: CheckerRewardService;
  config: ServeConfig;
  /** lean.timeout_ms, reported by /v1/info. */
  leanTimeoutMs: number;
  /** serve.auth.tokens plus the ones from the environment; empty = no auth. */
  tokens?: readonly ClientToken[];
  /** pino (fastify's logger); none in tests. */
  logger?: FastifyBaseLogger;
  /** Extra deps for the trainer adapters (e.g. the statement index). */
  adapterDeps?: Omit<AdapterDeps, 'service'>;
  /** Refusals are logged one by one at info only once per window (then counted); tests shorten it. */
  refusalLogWindowMs?: number;
}

/** Answer without a token and while draining: probes must see the truth. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * The reward service over HTTP: /v1/verify, the ops routes and every trainer adapter, behind one
 * onRequest hook (draining → 503, bearer auth → client id) and one error-to-response edge.
 */
export async function createRewardApp(deps: RewardAppDeps): Promise<FastifyInstance> {
  const { service, config } = deps;
  const app = Fastify({
    bodyLimit: config.limits.body_limit_bytes,
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    // Not two info lines per request (thousands per second under a trainer's load): errors are
    // logged by the error handler, refusals through the RefusalLog (the first at info, then a count
    // per window; each at debug), every request only at debug (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // /v1/verify's compiled body check relies on these (no coercion, no defaults, no removed properties).
    ajv: { customOptions: { ...VERIFY_AJV_OPTIONS } },
  });
  const matchToken = (deps.tokens ?? []).length > 0 ? createTokenMatcher(deps.tokens ?? []) : null;
  const retryAfterS = (): number => service.scheduler.retryAfterS();
  const refusals = new RefusalLog(app.log, deps.refusalLogWindowMs);
  app.addHook('onClose', (_app, done) => {
    refusals.close();
    done();
  });

  app.decorateRequest('clientId', '');
  app.decorateRequest('receivedAtMs', 0);
  // Callback hooks, not async ones: these run on every request, and a promise per hook per request costs.
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAtMs = Date.now();
    const query = request.url.indexOf('?');
    if (PROBES.has(query < 0 ? request.url : request.url.slice(0, query))) return done();
    if (service.isDraining) return done(new ServeError('unavailable', 'The reward service is shutting down and admits no new requests', { retryAfterS: 5 }));
    if (matchToken === null) {
      request.clientId = unauthenticatedClientId(request);
      return done();
    }
    const client = matchToken(request.headers.authorization);
    if (client === null) return done(new ServeError('unauthorized', 'Expected `Authorization: Bearer <token>` with a configured token, got none or an unknown one'));
    request.clientId = `token:${client}`;
    done();
  });
  // No child logger per request (pino's child() on every request, thousands per second): our log
  // lines carry the request id themselves.
  app.setChildLoggerFactory((logger) => logger);
  app.addHook('onResponse', (request, reply, done) => {
    service.metrics.countRequest(request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    request.log.debug({ reqId: request.id, method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    done();
  });
  app.setErrorHandler(async (error, request, reply) => {
    const response = errorResponse(error, retryAfterS);
    if (response.isUnexpected) request.log.error({ reqId: request.id, err: error }, 'unexpected error');
    else refusals.note({ reqId: request.id, status: response.status, code: response.body.error.code });
    service.metrics.rejectedRequests.inc({ reason: response.body.error.code });
    if (response.status === 401) reply.header('www-authenticate', 'Bearer');
    if (response.retryAfterS !== null) reply.header('retry-after', String(response.retryAfterS));
    return reply.code(response.status).send(response.body);
  });
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}`, retryable: false } }));

  await app.register(opsRoutes, { service, config, leanTimeoutMs: deps.leanTimeoutMs });
  await app.register(verifyRoutes, { service, config, retryAfterS });
  // Every adapter's batch goes through this service: the same item limit as /v1/verify (413), so a
  // batch the queue could never admit is refused once instead of answered 429 forever.
  const limitedService: RewardService = {
    get versions() {
      return service.versions;
    },
    verify: (items, options) => {
      assertItemCount(items.length, config, 'items');
      return service.verify(items, options);
    },
  };
  for (const adapter of ADAPTERS) await app.register(adapter, { ...deps.adapterDeps, service: limitedService });
  return app;
}

/**
 * Graceful shutdown: stop admitting (new requests → 503), let in-flight requests finish within
 * `drainTimeoutMs` (what is still waiting then is answered deadline_exceeded), then close the
 * server. The caller closes the checker afterwards.
 */
export async function drainRewardApp(app: FastifyInstance, service: CheckerRewardService, drainTimeoutMs: number): Promise<void> {
  await service.shutdown(drainTimeoutMs);
  await app.close();
}
