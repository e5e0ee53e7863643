import type { Logger } from 'pino';
import type { LeanConfig } from '../config.ts';
import { openProofChecker } from '../lean/open-checker.ts';
import { canonicalJson } from '../canonical-json.ts';
import { policyDigest } from '../lean/policy-digest.ts';
import { loadPolicy, type Policy } from '../lean/policy.ts';
import type { Toolchain } from '../lean/toolchain.ts';
import { CHECKER_VERSION, type ProofChecker } from '../lean/proof-checker.ts';
import type { ProblemRegistry } from './problem-registry.ts';
import { createCheckerRewardService, type CheckerRewardService } from './reward-service.ts';
import type { ServeConfig } from './serve-config.ts';

/**
 * Opens the checker (fails fast: LEAN_NOT_FOUND, SANDBOX_UNAVAILABLE) and the reward service over
 * it. `close()` closes the checker; call `service.shutdown()` first.
 */
export async function openRewardService(
  lean: LeanConfig,
  serve: ServeConfig,
  options: { repoRoot: string; registry: ProblemRegistry; logger?: Logger | undefined; tmpRoot?: string },
): Promise<{ service: CheckerRewardService; checker: ProofChecker; close: () => Promise<void> }> {
  const policy = loadPolicy(lean.policy);
  const { checker, toolchain } = await openProofChecker(lean, { repoRoot: options.repoRoot, logger: options.logger, ...(options.tmpRoot === undefined ? {} : { tmpRoot: options.tmpRoot }) });
  const service = createCheckerRewardService(serve, {
    checker,
    registry: options.registry,
    versions: { lean: toolchain.leanVersion, mathlib: toolchain.mathlibRev, checker: CHECKER_VERSION, policy: { name: policy.name, version: policy.version } },
    concurrency: serve.queue.concurrency ?? lean.pool.size * 2,
    maxRememberedVerdicts: lean.cache.enabled ? lean.cache.max_entries : 0,
    verdictContext: verdictContext(lean, toolchain, policy),
    logger: options.logger,
  });
  return { service, checker, close: () => checker.close() };
}

/**
 * Everything besides the item that decides a verdict, as canonical JSON (the fields of the CLI's
 * resume key): checker version, toolchain (Lean version, Mathlib revision), the policy's content
 * digest, the budget, L3 on/off and the L4 settings. Runner, sandbox, pool and retries decide
 * errors, never verdicts, so they are not in it.
 */
export function verdictContext(lean: LeanConfig, toolchain: Pick<Toolchain, 'leanVersion' | 'mathlibRev'>, policy: Policy): string {
  return canonicalJson({
    checker: CHECKER_VERSION,
    lean: toolchain.leanVersion,
    mathlib: toolchain.mathlibRev,
    policy: policyDigest(policy),
    budget: { timeout_ms: lean.timeout_ms, memory_limit_mb: lean.memory_limit_mb },
    confirm: lean.confirm,
    l4: lean.l4,
  });
}
