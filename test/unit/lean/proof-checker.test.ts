import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../pipeline/config.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';
import type { ElaborationRunner } from '../../../pipeline/lean/elaboration.ts';
import { STRICT_POLICY, type Policy } from '../../../pipeline/lean/policy.ts';
import { createProofChecker } from '../../../pipeline/lean/proof-checker.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import type { Toolchain } from '../../../pipeline/lean/toolchain.ts';
import { VerdictCache } from '../../../pipeline/lean/verdict-cache.ts';

// A stand-in for the runner contract only: these tests are about the checker's own decisions.
const toolchain: Toolchain = {
  home: '/lean', leanBin: '/lean/bin/lean', lakeBin: '/lean/bin/lake', leancheckerBin: '/lean/bin/leanchecker', replBin: '/lean/bin/repl',
  auditBin: '/lean/bin/proofline-audit', projectDir: '/lean/project', leanPath: [], leanVersion: '4.33.0', mathlibRev: null, readOnlyPaths: [],
};
const problem = { header: '', formal_statement: 'theorem t (n : Nat) : n + 0 = n := by sorry' };
const config = parseConfig({ lean: { confirm: false, max_attempts: 2 } }).lean;

function checkerWith(elaborate: ElaborationRunner['elaborate'], options: { policy?: Policy; cache?: VerdictCache } = {}) {
  const runner: ElaborationRunner = { name: 'repl', elaborate, close: async () => undefined };
  return createProofChecker(config, { toolchain, driver: createNoneDriver(), policy: options.policy ?? STRICT_POLICY, runner, tmpRoot: '/tmp', cache: options.cache });
}

const accepting: ElaborationRunner['elaborate'] = async (candidate) => ({
  outcome: 'completed', messages: [], sorryCount: 0, printedAxioms: { target: candidate.target, axioms: [] }, targetMissing: false, elapsedMs: 1,
});

describe('createProofChecker', () => {
  it('retries an uncoded failure and reports it as CHECKER_INTERNAL, never as a verdict', async () => {
    let calls = 0;
    const checker = checkerWith(async () => {
      calls += 1;
      throw new Error('ENOSPC: no space left on device');
    });
    const error = await checker.check({ ...problem, completion: 'simp' }).catch((e: unknown) => e);
    expect(isProoflineError(error, 'CHECKER_INTERNAL')).toBe(true);
    expect(calls).toBe(2);
    expect(checker.stats.errors).toBe(1);
  });

  it('rejects at L1 without running Lean', async () => {
    let calls = 0;
    const checker = checkerWith(async () => {
      calls += 1;
      throw new Error('must not run');
    });
    const verdict = await checker.check({ ...problem, completion: 'by\n  sorry' });
    expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }).toEqual({ kind: 'rejected', reason: 'banned_construct', layer: 'L1' });
    expect(calls).toBe(0);
  });

  it('accepts only with the exact allowed axioms reported for the target itself', async () => {
    const report = (target: string, axioms: string[]) => async () => ({ outcome: 'completed' as const, messages: [], sorryCount: 0, printedAxioms: { target, axioms }, targetMissing: false, elapsedMs: 1 });
    expect((await checkerWith(report('t', ['propext'])).check({ ...problem, completion: 'simp' })).kind).toBe('accepted');
    expect((await checkerWith(report('t', ['sorryAx'])).check({ ...problem, completion: 'simp' })).reason).toBe('sorry');
    expect((await checkerWith(report('t', ['Lean.ofReduceBool'])).check({ ...problem, completion: 'simp' })).reason).toBe('forbidden_axiom');
    expect((await checkerWith(report('Sneaky.t', ['propext'])).check({ ...problem, completion: 'simp' })).reason).toBe('lean_error');
  });

  it('keys cached verdicts on the policy content: a policy edited in place (same name@version) is not a cache hit', async () => {
    const cache = new VerdictCache(100);
    const edited: Policy = { ...STRICT_POLICY, allowed_axioms: [...STRICT_POLICY.allowed_axioms, 'Lean.ofReduceBool'] };
    expect(`${edited.name}@${edited.version}`).toBe(`${STRICT_POLICY.name}@${STRICT_POLICY.version}`);
    const request = { ...problem, completion: 'by\n  simp' };
    const first = await checkerWith(accepting, { cache }).check(request);
    const same = await checkerWith(accepting, { cache, policy: { ...STRICT_POLICY } }).check(request);
    const afterEdit = await checkerWith(accepting, { cache, policy: edited }).check(request);
    expect([first.cached, same.cached, afterEdit.cached]).toEqual([false, true, false]);
  });

  it('rejects a crash the runner pinned on the candidate as crashes_lean and caches it like any verdict', async () => {
    let calls = 0;
    const checker = checkerWith(async () => {
      calls += 1;
      return { outcome: 'crashed', messages: [], elapsedMs: 3, detail: 'Lean crashed on this candidate twice' };
    });
    const request = { ...problem, completion: 'by\n  simp' };
    const verdict = await checker.check(request);
    expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }).toEqual({ kind: 'rejected', reason: 'crashes_lean', layer: 'L2' });
    expect((await checker.check(request)).cached).toBe(true);
    expect(calls).toBe(1);
  });

  it('keys cached verdicts on the preamble: the same proof under a restated set_option line is checked again', async () => {
    const bodies: string[] = [];
    const checker = checkerWith(async (candidate, budget) => {
      bodies.push(candidate.body);
      return accepting(candidate, budget);
    });
    const plain = await checker.check({ ...problem, completion: '```lean4\ntheorem t (n : Nat) : n + 0 = n := by\n  simp\n```' });
    const withPreamble = await checker.check({ ...problem, completion: '```lean4\nset_option maxHeartbeats 400000\n\ntheorem t (n : Nat) : n + 0 = n := by\n  simp\n```' });
    expect([plain.cached, withPreamble.cached]).toEqual([false, false]);
    expect(bodies[1]).toContain('set_option maxHeartbeats 400000 in');
  });
});
