import { describe, expect, it } from 'vitest';
import { lintCandidate, lintInput } from '../../../pipeline/lean/lint.ts';
import { STANDARD_POLICY, STRICT_POLICY, type Policy } from '../../../pipeline/lean/policy.ts';

/** The lexical gate's classes added by the review of issue #6. */

const BOTH: readonly Policy[] = [STRICT_POLICY, STANDARD_POLICY];
const proofOnly = (proof: string) => ({ auxiliary: '', proof });

describe('after the proof: one term or tactic block, then nothing but comments', () => {
  it.each([
    ['init_quot', 'by\n  decide\n  init_quot', 'init_quot'],
    ['seal', 'by\n  decide\n  seal Nat.add', 'seal'],
    ['unseal … in', 'by\n  decide\n  unseal Nat.add in\n  example : True := trivial', 'unseal'],
    ['add_decl_doc', 'by\n  decide\n  add_decl_doc foo', 'add_decl_doc'],
    ['gen_injective_theorems%', 'by\n  decide\n  gen_injective_theorems% Nat', 'gen_injective_theorems'],
    ['compile_inductive%', 'by\n  decide\n  compile_inductive% Nat', 'compile_inductive'],
    ["Mathlib's alias", 'by\n  decide\n  alias foo := bar', 'alias'],
    ['irreducible_def', 'by\n  decide\n  irreducible_def x : ℕ := 1', 'irreducible_def'],
    ['export', 'by\n  decide\n  export Nat (succ)', 'export'],
    ['attribute', 'by\n  decide\n  attribute [simp] foo', 'attribute'],
    ['deriving instance', 'by\n  decide\n  deriving instance Repr for Foo', 'deriving'],
    ['a bare open', 'by\n  decide\n  open Nat', 'open'],
    ['a bare set_option', 'by\n  decide\n  set_option pp.all true', 'set_option'],
  ])('rejects %s after the proof under both policies, even indented', (_name, proof, token) => {
    for (const policy of BOTH) expect(lintCandidate(proofOnly(proof), policy)).toMatchObject({ ok: false, token, part: 'proof' });
  });

  it('rejects any word at column 0 after the first line, which Lean reads as a new command', () => {
    for (const proof of ['by\n  simp\nnew_command foo', 'fun x =>\n  x\nrecall foo', 'by simp\n#s']) {
      expect(lintCandidate(proofOnly(proof), STRICT_POLICY)).toMatchObject({ ok: false, line: proof.split('\n').length, column: 0 });
    }
    const result = lintCandidate(proofOnly('by\n  simp\n@[simp] theorem x : True := trivial'), STRICT_POLICY);
    expect(result).toMatchObject({ ok: false, token: '@[' });
    if (!result.ok) expect(result.detail).toContain('the proof must be a single term or tactic block');
  });

  it.each([
    ['open … in inside the block', 'by\n  open Real in\n  simp'],
    ['open scoped … in with hiding', 'by\n  open scoped BigOperators in\n  open Finset hiding sum in\n  simp'],
    ['set_option … in inside the block', 'by\n  set_option maxRecDepth 2000 in\n  decide'],
    ['a tactic block written at column 0', 'by\nintro h\nsimp at h\nomega'],
    ['pattern-matching alternatives at column 0', 'fun\n| 0 => rfl\n| n + 1 => by simp'],
    ['a where clause and decreasing_by at column 0', 'go 3\nwhere\n  go (n : ℕ) : n = n := rfl\ndecreasing_by simp'],
    ['a comment at column 0 after the proof', 'by\n  simp\n-- done\n/- really -/'],
    ['a continuation at column 0 that is a symbol', 'by\n  constructor\n<;> simp'],
  ])('passes %s', (_name, proof) => {
    for (const policy of BOTH) expect(lintCandidate(proofOnly(proof), policy)).toEqual({ ok: true });
  });

  it('still rejects a command keyword in a tactic block written at column 0', () => {
    expect(lintCandidate(proofOnly('by\nsimp\ntheorem x : True := trivial'), STRICT_POLICY)).toMatchObject({ ok: false, token: 'theorem', line: 3 });
  });
});

describe('tactics that leave the goal admitted', () => {
  it.each([
    ['stop', 'by\n  intro h\n  stop\n  simp', 'stop'],
    ['apply?', 'by\n  apply?', 'apply?'],
  ])('rejects %s', (_name, proof, token) => {
    for (const policy of BOTH) expect(lintCandidate(proofOnly(proof), policy)).toMatchObject({ ok: false, token });
  });

  it('passes search tactics that close the goal honestly or fail with an error: exact?, rw?, simp?, aesop?', () => {
    for (const proof of ['by\n  exact?', 'by\n  rw?\n  simp', 'by\n  simp? says simp only [h]', 'by\n  aesop?', 'by\n  simp_all?']) {
      expect(lintCandidate(proofOnly(proof), STRICT_POLICY)).toEqual({ ok: true });
    }
  });
});

describe('metaprogram messages and their interpolated strings', () => {
  it.each([
    ['throwError', 'def f : Except String Nat := throwError "{(sorry : Nat)}"', 'throwError "…"'],
    ['throwErrorAt', 'def f (r : Lean.Syntax) : Except String Nat := throwErrorAt r "{(sorry : Nat)}"', 'throwErrorAt'],
    ['throwNamedError', 'def f : Except String Nat := throwNamedError lean.foo "{x}"', 'throwNamedError'],
    ['logNamedWarningAt', 'def f := logNamedWarningAt r lean.foo "{x}"', 'logNamedWarningAt'],
    ['trace[cls]', 'def f : Id Unit := do\n  trace[debug] "{x}"', 'trace['],
  ])('rejects %s in auxiliary code', (_name, auxiliary, token) => {
    expect(lintCandidate({ auxiliary, proof: 'by simp' }, STANDARD_POLICY)).toMatchObject({ ok: false, token, part: 'auxiliary' });
  });

  it('sees code inside an interpolated message where the head is not banned (println!, dbg_trace)', () => {
    expect(lintCandidate({ auxiliary: 'def f : IO Unit := println! "{(sorry : Nat)}"', proof: 'by simp' }, STANDARD_POLICY)).toMatchObject({ ok: false });
    expect(lintCandidate(proofOnly('dbg_trace "{(sorry : Nat)}"; rfl'), STRICT_POLICY)).toMatchObject({ ok: false, token: 'dbg_trace "…"' });
  });

  it('passes the trace tactic and a plain string that merely contains braces and quotes', () => {
    expect(lintCandidate(proofOnly('by\n  trace "{sorry}"\n  simp'), STRICT_POLICY)).toEqual({ ok: true });
    const auxiliary = 'def note : String := "a \\"quoted\\" {brace} -- not a comment"\ndef other : String := "sorry"';
    expect(lintCandidate({ auxiliary, proof: 'by simp' }, STANDARD_POLICY)).toEqual({ ok: true });
  });
});

describe('Aesop rules that would run the model’s code', () => {
  it.each([
    ['a tactic rule', '@[aesop safe tactic]\ndef step : Nat := 1', 'aesop … tactic'],
    ['a tactic rule with options', '@[aesop unsafe 50% (tactic (uses_branch_state := false))]\ndef step : Nat := 1', 'aesop … tactic'],
    ['a tactic rule among several', '@[simp, aesop norm 1 [simp, tactic]]\ndef step : Nat := 1', 'aesop … tactic'],
    ['the default builder on a def', '@[aesop safe]\ndef step : Nat := 1', 'aesop'],
    ['the default builder on an abbrev', '@[aesop unsafe 50%] abbrev step : Nat := 1', 'aesop'],
  ])('rejects %s', (_name, auxiliary, token) => {
    const result = lintCandidate({ auxiliary, proof: 'by aesop' }, STANDARD_POLICY);
    expect(result).toMatchObject({ ok: false, token, part: 'auxiliary' });
    if (!result.ok) expect(result.detail).toMatch(/runs (the declaration’s|its) code/u);
  });

  it('rejects an aesop call that adds a tactic rule', () => {
    expect(lintCandidate(proofOnly('by\n  aesop (add safe tactic myStep)'), STRICT_POLICY)).toMatchObject({ ok: false, token: 'aesop (add … tactic …)' });
    expect(lintCandidate(proofOnly('by\n  aesop (config := {}) (add unsafe 50% (tactic (uses_branch_state := false)) myStep)'), STRICT_POLICY)).toMatchObject({ ok: false });
  });

  it('passes the unsafe phase in an aesop call, and still rejects the unsafe modifier', () => {
    expect(lintCandidate(proofOnly('by\n  aesop (add unsafe 50% apply Nat.le_of_lt) (add safe [apply foo, unsafe 20% apply bar])'), STRICT_POLICY)).toEqual({ ok: true });
    expect(lintCandidate({ auxiliary: 'unsafe def f : Nat := 1', proof: 'by simp' }, STANDARD_POLICY)).toMatchObject({ ok: false, token: 'unsafe' });
    expect(lintCandidate({ auxiliary: 'def f : Nat := unsafe (g 1)', proof: 'by simp' }, STANDARD_POLICY)).toMatchObject({ ok: false, token: 'unsafe' });
  });

  it.each([
    ['an apply rule on a theorem', '@[aesop safe apply]\ntheorem step : True := trivial'],
    ['the default builder on a theorem', '@[aesop unsafe 50%]\nprivate theorem step : True := trivial'],
    ['an explicit builder on a def', '@[aesop norm unfold]\ndef step : Nat := 1'],
    ['forward with immediate', '@[aesop safe (forward (immediate := [h]))]\nlemma step (h : 1 = 1) : True := trivial'],
  ])('passes %s', (_name, auxiliary) => {
    expect(lintCandidate({ auxiliary, proof: 'by aesop (add safe apply step) (rule_sets := [default])' }, STANDARD_POLICY)).toEqual({ ok: true });
  });
});

describe('numeric option caps', () => {
  it.each([
    ['maxRecDepth 1000000000', 'set_option maxRecDepth 1000000000 in', 'set_option maxRecDepth 1000000000'],
    ['maxRecDepth above the cap', 'set_option maxRecDepth 10001 in', 'set_option maxRecDepth 10001'],
    ['synthInstance.maxSize above the cap', 'set_option synthInstance.maxSize 100000 in', 'set_option synthInstance.maxSize 100000'],
    ['exponentiation.threshold above the cap', 'set_option exponentiation.threshold 1000000 in', 'set_option exponentiation.threshold 1000000'],
    ['synthInstance.maxHeartbeats 0', 'set_option synthInstance.maxHeartbeats 0 in', 'set_option synthInstance.maxHeartbeats 0'],
    ['a hexadecimal value', 'set_option maxRecDepth 0x10 in', 'set_option maxRecDepth 0x10'],
  ])('rejects %s', (_name, line, token) => {
    for (const policy of BOTH) expect(lintCandidate(proofOnly(`by\n  ${line}\n  decide`), policy)).toMatchObject({ ok: false, token });
  });

  it('passes values up to each cap', () => {
    const lines = ['maxRecDepth 10000', 'maxHeartbeats 1000000', 'synthInstance.maxHeartbeats 400000', 'synthInstance.maxSize 1024', 'exponentiation.threshold 10000'];
    for (const line of lines) expect(lintCandidate(proofOnly(`by\n  set_option ${line} in\n  decide`), STRICT_POLICY)).toEqual({ ok: true });
  });
});

describe('restated header lines (the preamble part)', () => {
  it('passes open, open scoped and allowlisted set_option lines under strict', () => {
    const preamble = 'set_option maxHeartbeats 400000\nopen scoped BigOperators\nopen Real Nat Finset\nset_option linter.unusedVariables false';
    expect(lintCandidate({ preamble, auxiliary: '', proof: 'by simp' }, STRICT_POLICY)).toEqual({ ok: true });
  });

  it.each([
    ['maxHeartbeats 0', 'set_option maxHeartbeats 0', 'set_option maxHeartbeats 0'],
    ['a capped option above its cap', 'set_option maxRecDepth 1000000000', 'set_option maxRecDepth 1000000000'],
    ['an option outside the allowlist', 'set_option autoImplicit true', 'set_option autoImplicit'],
    ['open private', 'open private Foo', 'private'],
    ['an unsafe modifier', 'open Nat unsafe', 'unsafe'],
    ['open … hiding', 'open Nat hiding succ', 'hiding'],
    ['open with a renaming', 'open Nat renaming succ → s', 'renaming'],
    ['a declaration', 'def x := 1', 'def'],
    ['two commands on one line', 'open Nat set_option pp.all true', 'set_option'],
  ])('rejects %s', (_name, preamble, token) => {
    for (const policy of BOTH) expect(lintCandidate({ preamble, auxiliary: '', proof: 'by simp' }, policy)).toMatchObject({ ok: false, token, part: 'preamble' });
  });

  it('lints the preamble that extraction returns (lintInput)', () => {
    const statement = 'theorem t (x : ℝ) (h : x = 2) : x + 1 = 3 := by sorry';
    const input = (line: string) => ({
      id: 'p',
      header: 'import Mathlib\n\nopen Real\n',
      formal_statement: statement,
      completion: `\`\`\`lean4\n${line}\n\ntheorem t (x : ℝ) (h : x = 2) : x + 1 = 3 := by\n  subst h; norm_num\n\`\`\``,
    });
    const rejected = lintInput(input('set_option maxRecDepth 1000000000'), STRICT_POLICY);
    expect(rejected).toMatchObject({ kind: 'rejected', reason: 'banned_construct', layer: 'L1' });
    expect(rejected.detail).toContain('of the restated header lines');
    expect(lintInput(input('set_option maxHeartbeats 400000'), STRICT_POLICY)).toMatchObject({ kind: 'unchecked' });
  });
});

describe('string literals in auxiliary code (lexer tokens span the whole literal)', () => {
  it('keeps an auxiliary def with a string literal whole, and passes it', () => {
    const completion = '```lean4\ndef note : String := "hello"\n\ntheorem t : 1 + 1 = 2 := by\n  rfl\n```';
    const outcome = lintInput({ id: 't', header: '', formal_statement: 'theorem t : 1 + 1 = 2 := by sorry', completion }, STANDARD_POLICY);
    expect(outcome).toMatchObject({ kind: 'unchecked', extracted: { auxiliary: 'def note : String := "hello"', proof: 'by\n  rfl' } });
  });

  it('keeps a string ending the auxiliary text whole when it holds quotes, braces and a theorem keyword', () => {
    const aux = 'def note : String := "x {1 + 1} \\"theorem t\\""';
    const completion = `\`\`\`lean4\n${aux}\n\ntheorem t : 1 + 1 = 2 := by\n  rfl\n\`\`\``;
    const outcome = lintInput({ id: 't', header: '', formal_statement: 'theorem t : 1 + 1 = 2 := by sorry', completion }, STANDARD_POLICY);
    expect(outcome).toMatchObject({ kind: 'unchecked', extracted: { auxiliary: aux } });
  });
});
