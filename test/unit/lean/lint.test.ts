import { describe, expect, it } from 'vitest';
import { ConstructLog } from '../../../pipeline/lean/construct-log.ts';
import { lintCandidate } from '../../../pipeline/lean/lint.ts';
import { STANDARD_POLICY, STRICT_POLICY, parsePolicy } from '../../../pipeline/lean/policy.ts';

const proofOnly = (proof: string) => ({ auxiliary: '', proof });

describe('lintCandidate passes honest proofs', () => {
  it.each([
    ['sorry in a line comment', 'by\n  -- sorry, this is easy\n  simp'],
    ['sorry in a block comment', 'by\n  /- we could `sorry` here -/\n  omega'],
    ['sorry in a string', 'by\n  have h : "sorry".length = 5 := by decide\n  simp'],
    ['decide, omega, simp, norm_num, nlinarith', 'by\n  decide\n  <;> omega\n  <;> simp\n  <;> norm_num\n  <;> nlinarith [sq_nonneg x]'],
    ['an identifier that merely starts with sorry', 'by\n  exact sorry_lemma h'],
    ['primes and dotted names', "by\n  exact Nat.succ_le' h'"],
    ['unicode binders and big operators', 'by\n  have h₀ : (∑ x ∈ s, f x : ℝ) = 0 := by simp\n  exact h₀'],
    ["Mathlib's #s card notation", 'by\n  have : #s = 3 := by simp [hs]\n  omega'],
    ['set_option maxRecDepth … in', 'by\n  set_option maxRecDepth 1000 in\n  decide'],
    ['set_option maxHeartbeats within the cap', 'by\n  set_option maxHeartbeats 400000 in\n  nlinarith'],
    ['a linter option', 'by\n  set_option linter.unusedVariables false in\n  simp'],
    ['open … in inside the proof', 'by\n  open Real in\n  simp [sqrt_eq_iff]'],
    ['decide with kernel configuration', 'by\n  decide +kernel'],
    ['a term-mode proof', 'fun x => ⟨x, rfl⟩'],
    ['a where clause', 'aux 3\nwhere\n  aux (n : ℕ) : n = n := rfl'],
  ])('passes %s', (_name, proof) => {
    expect(lintCandidate(proofOnly(proof), STRICT_POLICY)).toEqual({ ok: true });
  });

  it('collects the constructs of a clean candidate for the drift log: the same as tokenizing its model text again', () => {
    const parts = {
      preamble: 'open Real in',
      auxiliary: 'namespace Aux\n@[simp] private lemma helper (x : ℝ) : x + 0 = x := by simp\nend Aux',
      proof: 'by\n  have : #s = 3 := by simp [hs, Aux.helper] -- omega\n  nlinarith [sq_nonneg x, «h₀»]',
    };
    const constructs = new Set<string>();
    expect(lintCandidate(parts, STANDARD_POLICY, constructs)).toEqual({ ok: true });
    const fromLint = new ConstructLog();
    fromLint.recordConstructs(constructs);
    const fromText = new ConstructLog();
    fromText.record(`${parts.preamble}\n${parts.auxiliary}\n${parts.proof}`);
    expect(fromLint.toJSON()).toEqual(fromText.toJSON());
    expect(fromLint.toJSON().constructs).toMatchObject({ '#s': 1, nlinarith: 1, 'Aux.helper': 1, 'h₀': 1, simp: 1 });
    expect(constructs.has('omega')).toBe(false);
  });

  it('passes auxiliary lemmas with allowed attributes under the standard policy', () => {
    const auxiliary = 'open Real\n\nnamespace Aux\n@[simp] private lemma helper (x : ℝ) : x + 0 = x := by simp\nend Aux\n\nnoncomputable def g : ℝ := 1';
    expect(lintCandidate({ auxiliary, proof: 'by simp [Aux.helper]' }, STANDARD_POLICY)).toEqual({ ok: true });
  });
});

describe('lintCandidate rejects cheats', () => {
  it.each([
    ['«sorry»', 'by\n  exact «sorry»', 'sorry', 2, 8],
    ['admit', 'by\n  admit', 'admit', 2, 2],
    ['sorryAx', 'by\n  exact sorryAx _ true', 'sorryAx', 2, 8],
    ['an interpolated string (its head, before any code in it)', 'by\n  exact (s!"{sorry}").length', 's! "…"', 2, 9],
    ['native_decide', 'by\n  native_decide', 'native_decide', 2, 2],
    ['decide +native', 'by\n  decide +native', '+native', 2, 9],
    ['decide (config := {native := true})', 'by\n  decide (config := { native := true })', 'native :=', 2, 22],
    ['Lean.ofReduceBool', 'Lean.ofReduceBool _ _ rfl', 'Lean.ofReduceBool', 1, 0],
    ['#exit', 'by\n  simp\n#exit', '#exit', 3, 0],
    ['#eval', 'by simp\n#eval IO.println "ok"', '#eval', 2, 0],
    ['#print axioms', 'by simp\n#print axioms foo', '#print', 2, 0],
    ['#guard_msgs (drop all) in', 'by simp\n#guard_msgs (drop all) in\nexample : False := by simp', '#guard_msgs', 2, 0],
    ['set_option warn.sorry false', 'by\n  set_option warn.sorry false in\n  simp', 'set_option warn.sorry', 2, 2],
    ['set_option debug.skipKernelTC true', 'by\n  set_option debug.skipKernelTC true in\n  simp', 'set_option debug.skipKernelTC', 2, 2],
    ['set_option maxHeartbeats 0', 'by\n  set_option maxHeartbeats 0 in\n  simp', 'set_option maxHeartbeats 0', 2, 2],
    ['set_option maxHeartbeats above the cap', 'by\n  set_option maxHeartbeats 2000000 in\n  simp', 'set_option maxHeartbeats 2000000', 2, 2],
    ['set_option of an option outside the allowlist', 'by\n  set_option autoImplicit true in\n  simp', 'set_option autoImplicit', 2, 2],
    ['a syntax quotation', 'by\n  exact `(tactic| rfl)', '`(', 2, 8],
    ['run_tac', 'by\n  run_tac Lean.Elab.Tactic.closeMainGoal', 'run_tac', 2, 2],
    ['a command after the proof', 'by simp\n\ntheorem other : True := trivial', 'theorem', 3, 0],
    ['an unterminated block comment', 'by simp /- open', '/-', 1, 8],
  ])('rejects %s', (_name, proof, token, line, column) => {
    const result = lintCandidate(proofOnly(proof), STANDARD_POLICY);
    expect(result).toMatchObject({ ok: false, reason: 'banned_construct', token, line, column, part: 'proof' });
  });

  it('says what it found and where in the detail', () => {
    const result = lintCandidate(proofOnly('by\n  simp\n  exact «sorry»'), STRICT_POLICY);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.detail).toMatch(/^banned construct `sorry` at line 3, column 8 of the proof: /u);
  });

  it.each([
    ['axiom cheat : False', 'axiom cheat : False', 'axiom'],
    ['a private axiom', 'private axiom cheat : False', 'axiom'],
    ['@[implemented_by]', '@[implemented_by fastImpl] def slow (n : ℕ) : ℕ := n', 'implemented_by'],
    ['@[extern]', '@[extern "c_fn"] def f (n : ℕ) : ℕ := n', 'extern'],
    ['attribute [csimp]', 'attribute [csimp] my_lemma', 'csimp'],
    ['an attribute outside the allowlist', '@[app_unexpander Nat.add] def unexp : Lean.PrettyPrinter.Unexpander := fun _ => failure', 'app_unexpander'],
    ['macro_rules', 'macro_rules | `(tactic| trivial) => `(tactic| sorry)', 'macro_rules'],
    ['local notation', 'local notation "ℕ₁" => Int', 'notation'],
    ['open private', 'open private foo in\ntheorem x : True := trivial', 'open private'],
    ['variable', 'variable (h : False)', 'variable'],
    ['include', 'include h', 'include'],
    ['prelude', 'prelude', 'prelude'],
    ['import', 'import Mathlib.Tactic', 'import'],
    ['unsafe def', 'unsafe def f : Nat := 1', 'unsafe'],
    ['partial def', 'partial def f : Nat → Nat := f', 'partial'],
    ['opaque', 'opaque t : False', 'opaque'],
    ['initialize', 'initialize IO.println "hi"', 'initialize'],
    ['Lean.Elab metaprogramming', 'open Lean Elab Command in\ndef x := 1', 'Elab'],
    ['modifyEnv', 'def hack := modifyEnv id', 'modifyEnv'],
    ['a metaprogramming monad', 'def hack : CoreM Unit := pure ()', 'CoreM'],
    ['an Aesop rule type', 'def step : Aesop.SingleRuleTac := fun _ => failure', 'Aesop.SingleRuleTac'],
    ['a command outside the policy allowlist', 'structure S where\n  x : Nat', 'structure'],
  ])('rejects %s in auxiliary text under the standard policy', (_name, auxiliary, token) => {
    const result = lintCandidate({ auxiliary, proof: 'by simp' }, STANDARD_POLICY);
    expect(result).toMatchObject({ ok: false, token, part: 'auxiliary' });
  });

  it('rejects any auxiliary declaration under the strict policy', () => {
    const result = lintCandidate({ auxiliary: 'lemma helper : True := trivial', proof: 'by simp' }, STRICT_POLICY);
    expect(result).toMatchObject({ ok: false, token: 'lemma', line: 1, column: 0, part: 'auxiliary' });
    if (!result.ok) expect(result.detail).toContain('strict@2 allows no auxiliary declarations');
  });

  it('rejects axiom cheat : False in auxiliary text under both policies', () => {
    for (const policy of [STRICT_POLICY, STANDARD_POLICY]) {
      expect(lintCandidate({ auxiliary: 'axiom cheat : False', proof: 'cheat.elim' }, policy)).toMatchObject({ ok: false, token: 'axiom' });
    }
  });

  it('checks auxiliary text before the proof and reports the first violation in text order', () => {
    const result = lintCandidate({ auxiliary: 'lemma a : True := by\n  native_decide', proof: 'by sorry' }, STANDARD_POLICY);
    expect(result).toMatchObject({ ok: false, token: 'native_decide', line: 2, column: 2, part: 'auxiliary' });
  });

  it('follows the policy: an option allowed by a custom policy passes, and the cap is the policy’s', () => {
    const custom = parsePolicy({ ...STANDARD_POLICY, name: 'custom', set_option_allowlist: ['maxHeartbeats', 'autoImplicit'], option_caps: { maxHeartbeats: 5_000_000 } });
    expect(lintCandidate(proofOnly('by\n  set_option autoImplicit true in\n  set_option maxHeartbeats 4000000 in\n  simp'), custom)).toEqual({ ok: true });
    expect(lintCandidate(proofOnly('by\n  set_option maxRecDepth 10 in\n  simp'), custom)).toMatchObject({ ok: false, token: 'set_option maxRecDepth' });
  });
});
