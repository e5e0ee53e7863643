import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { assembleCandidate } from '../../../pipeline/lean/assemble.ts';
import { openRecordedLeanChecker } from '../../helpers/recorded-lean-checker.ts';

/**
 * Under `open Nat`, `#print axioms succ_ne_zero` resolves to BOTH `succ_ne_zero` and core's
 * (unprotected) `Nat.succ_ne_zero` (`resolveGlobalName`, Lean/ResolveName.lean: the exact root name
 * plus every open namespace's), and prints one report per constant, the opened one first. Only
 * `_root_.succ_ne_zero` names the candidate's theorem alone. The recording below says exactly that;
 * the old unqualified query turned this honest proof into lean_error.
 */
const problem = {
  id: 'proofline_open_nat_succ_ne_zero',
  header: 'open Nat',
  formal_statement: 'theorem succ_ne_zero (n : Nat) : n + 1 ≠ 0 := by sorry',
  completion: '```lean4\ntheorem succ_ne_zero (n : Nat) : n + 1 ≠ 0 := fun h => Nat.noConfusion h\n```',
};
const report = (name: string) => ({ severity: 'info', pos: { line: 2, column: 0 }, endPos: { line: 2, column: 6 }, data: `'${name}' does not depend on any axioms` });

let dir = '';
beforeAll(async () => {
  const extracted = extractProof(problem.completion, problem.formal_statement, problem.header);
  if (!extracted.ok) throw new Error(extracted.detail);
  const { body } = assembleCandidate(problem, extracted);
  const requests = [
    { cmd: problem.header },
    { cmd: body, env: 0 },
    { cmd: 'set_option pp.fullNames true in\n#print axioms succ_ne_zero', env: 1 },
    { cmd: 'set_option pp.fullNames true in\n#print axioms _root_.succ_ne_zero', env: 1 },
  ];
  const responses = [{ env: 0 }, { env: 1 }, { messages: [report('Nat.succ_ne_zero'), report('succ_ne_zero')], env: 2 }, { messages: [report('succ_ne_zero')], env: 3 }];
  dir = await mkdtemp(join(tmpdir(), 'proofline-axiom-scope-'));
  await writeFile(join(dir, 'open_nat_scope.in'), `${requests.map((r) => JSON.stringify(r)).join('\n\n')}\n`);
  await writeFile(join(dir, 'open_nat_scope.expected.out'), responses.map((r) => `${JSON.stringify(r)}\n\n`).join(''));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['repl', 'cli'] as const)('the axiom query under an open namespace (runner %s)', (runner) => {
  it('accepts an honest proof whose target name also exists in the opened namespace', async () => {
    const opened = await openRecordedLeanChecker({ runner, confirm: false, sandbox_read_only_paths: [dir], env: { RECORDED_LEAN_RECORDINGS: dir } });
    try {
      const verdict = await opened.checker.check(problem);
      expect({ kind: verdict.kind, layer: verdict.layer, axioms: verdict.axioms }, verdict.detail).toEqual({ kind: 'accepted', layer: 'L2', axioms: [] });
    } finally {
      await opened.close();
    }
  });
});
