import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { parseConfig } from '../../pipeline/config.ts';
import { openProofChecker } from '../../pipeline/lean/open-checker.ts';
import { defineProofCheckerContract, loadCheckerCases } from '../contract/proof-checker.cases.ts';
import { REPO_ROOT } from '../helpers/recorded-lean-checker.ts';
import { findRealToolchain } from './real-lean.setup.ts';

/**
 * The golden corpus against a REAL Lean toolchain: the same cases the recorded-Lean double answers.
 * Cases that need Mathlib run only when the toolchain has it; fault-injection cases (which only the
 * double understands) never run here.
 */
const found = await findRealToolchain(process.env);

if ('skipReason' in found) {
  console.warn(`\n*** real-Lean suite SKIPPED: ${found.skipReason} ***\n*** The contract cases ran only against the recorded-Lean double. See test/lean/README.md. ***\n`);
  describe('ProofChecker contract (real Lean)', () => {
    it.skip(`skipped: ${found.skipReason}`, () => undefined);
  });
} else {
  const hasMathlib = found.toolchain.mathlibRev !== null;
  const cases = loadCheckerCases().filter((c) => !c.input.completion.includes('recorded-lean:') && (hasMathlib || !/\bimport\s+Mathlib/.test(c.input.header)));
  for (const runner of ['repl', 'cli'] as const) {
    defineProofCheckerContract(
      `ProofChecker contract (runner ${runner}, real Lean ${found.toolchain.leanVersion})`,
      async (policy) => {
        const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-real-lean-'));
        const config = parseConfig({ lean: { home: found.toolchain.home, runner, policy, timeout_ms: 120_000 } });
        const { checker } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, tmpRoot });
        return { checker, close: async () => { await checker.close(); await rm(tmpRoot, { recursive: true, force: true }); } };
      },
      { cases },
    );
  }
}
