import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../pipeline/config.ts';
import { createStatementIndex } from '../../pipeline/serve/adapters/statement-index.ts';
import { parseTokenList } from '../../pipeline/serve/bearer-auth.ts';
import { openRewardService } from '../../pipeline/serve/open-reward-service.ts';
import { loadProblemRegistry } from '../../pipeline/serve/problem-registry.ts';
import type { ServeConfig } from '../../pipeline/serve/serve-config.ts';
import { createRewardApp, drainRewardApp } from '../reward-app.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';

const HELP = `Usage: proofline serve [--config FILE.yaml] [--port N] [--host H] [--problems FILE|DIR|s3://…]

Serves Lean-verified rewards over HTTP (POST /v1/verify, the trainer adapters, /healthz, /readyz,
/metrics, /v1/info). Problems for problem_id come from serve.problems (and --problems, repeatable).
Bearer tokens: serve.auth.tokens and PROOFLINE_SERVE_TOKENS="client=token,…". SIGTERM/SIGINT:
stop admitting, drain in-flight requests for serve.drain_timeout_ms, exit.
`;

export const runServe: Command = async (context) => {
  const { values } = parseArgs({
    args: context.argv,
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, problems: { type: 'string', multiple: true }, help: { type: 'boolean' } },
  });
  if (values.help === true) return void context.stdout.write(HELP), 0;
  const { config, serve } = loadServeConfig(values.config, context.env, {
    ...(values.port === undefined ? {} : { port: Number(values.port) }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.problems === undefined ? {} : { problems: values.problems }),
  });
  const logger = pino({ level: config.log.level }, pino.destination(2));
  const registry = await loadProblemRegistry(serve.problems, { s3: config.s3, env: context.env, cwd: context.cwd });
  logger.info({ problems: registry.size, sources: serve.problems }, 'problem registry loaded');
  const { service, close } = await openRewardService(config.lean, serve, { repoRoot: REPO_ROOT, registry, logger });
  const tokens = [...serve.auth.tokens, ...parseTokenList(context.env[serve.auth.tokens_env] ?? '')];
  const app = await createRewardApp({ service, config: serve, leanTimeoutMs: config.lean.timeout_ms, tokens, logger, adapterDeps: { statementIndex: createStatementIndex(registry.entries()), kiminaRequireRegisteredStatement: serve.kimina.require_registered_statement ?? registry.size > 0 } });
  try {
    const url = await app.listen({ host: serve.host, port: serve.port });
    logger.info({ url, auth: tokens.length > 0, concurrency: service.scheduler.limits.concurrency }, 'reward service listening');
    void warmUpUntilReady(service, serve.canary_header ?? registry.mostCommonHeader() ?? '', context.signal, logger);
    await new Promise<void>((resolve) => (context.signal.aborted ? resolve() : context.signal.addEventListener('abort', () => resolve(), { once: true })));
    logger.info({ drain_timeout_ms: serve.drain_timeout_ms, running: service.scheduler.running, queued: service.scheduler.queued }, 'shutting down: no new requests, draining');
    await drainRewardApp(app, service, serve.drain_timeout_ms);
  } finally {
    await app.close();
    await close();
  }
  logger.info('reward service stopped');
  return 0;
};

async function warmUpUntilReady(service: Awaited<ReturnType<typeof openRewardService>>['service'], header: string, signal: AbortSignal, logger: pino.Logger): Promise<void> {
  while (!signal.aborted) {
    try {
      await service.warmUp(header);
      logger.info('ready: the checker answered the canary');
      return;
    } catch (error) {
      logger.warn({ err: error }, 'not ready: the canary check failed; retrying in 5 s');
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

/** The config with command-line flags applied over its `serve:` section (flags win over env and file). */
function loadServeConfig(file: string | undefined, env: Record<string, string | undefined>, flags: Partial<ServeConfig>): { config: Config; serve: ServeConfig } {
  const config = loadConfig({ env, ...(file === undefined ? {} : { file }), overrides: { serve: flags } });
  return { config, serve: config.serve };
}
