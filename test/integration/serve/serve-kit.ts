import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ServeConfigSchema, type ServeConfig } from '../../../pipeline/serve/serve-config.ts';
import { ProblemRegistry } from '../../../pipeline/serve/problem-registry.ts';
import { openRewardService } from '../../../pipeline/serve/open-reward-service.ts';
import type { CheckerRewardService } from '../../../pipeline/serve/reward-service.ts';
import type { ProofChecker } from '../../../pipeline/lean/proof-checker.ts';
import { createRewardApp } from '../../../workers/reward-app.ts';
import type { ClientToken } from '../../../pipeline/serve/bearer-auth.ts';
import { loadCheckerCases, type CheckerCase } from '../../contract/proof-checker.cases.ts';
import { recordedLeanConfig, REPO_ROOT, type LeanOverrides } from '../../helpers/recorded-lean-checker.ts';

/** Golden cases the double answers under the strict policy with no fault directive, by file name. */
export function strictCases(): Map<string, CheckerCase> {
  const cases = new Map<string, CheckerCase>();
  for (const c of loadCheckerCases()) {
    if (c.policy === 'strict' && !c.input.completion.includes('recorded-lean:')) cases.set(c.file, c);
  }
  return cases;
}

/** A registry holding every strict golden case's problem (first case wins per id). */
export function caseRegistry(cases: Iterable<CheckerCase>): ProblemRegistry {
  const registry = new ProblemRegistry();
  for (const c of cases) {
    if (registry.get(c.input.id) === undefined) registry.add(c.input.id, { header: c.input.header, formal_statement: c.input.formal_statement }, c.file);
  }
  return registry;
}

export interface ServeKit {
  app: FastifyInstance;
  service: CheckerRewardService;
  checker: ProofChecker;
  close: () => Promise<void>;
}

/** A reward app over the recorded-Lean double with its own config, tmp dir and registry. */
export async function openServeKit(options: { lean?: LeanOverrides; serve?: Record<string, unknown>; registry?: ProblemRegistry; tokens?: ClientToken[] } = {}): Promise<ServeKit> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-serve-'));
  const serve: ServeConfig = ServeConfigSchema.parse(options.serve ?? {});
  const lean = recordedLeanConfig({ sandbox: 'none', ...options.lean });
  const { service, checker, close } = await openRewardService(lean, serve, { repoRoot: REPO_ROOT, registry: options.registry ?? caseRegistry(strictCases().values()), tmpRoot });
  const app = await createRewardApp({ service, config: serve, leanTimeoutMs: lean.timeout_ms, tokens: options.tokens ?? [] });
  return {
    app,
    service,
    checker,
    close: async () => {
      await app.close();
      await service.shutdown(1000);
      await close();
      await rm(tmpRoot, { recursive: true, force: true });
    },
  };
}
