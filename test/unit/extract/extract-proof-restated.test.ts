import { describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';

/** What a model may restate before its copy of the theorem (the rules are in extract-proof.ts). */

const HEADER = 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n';
const STATEMENT = 'theorem amc_x (x : ℝ) (h : x = 2) : x ^ 2 = 4 := by sorry';
const THEOREM = 'theorem amc_x (x : ℝ) (h : x = 2) : x ^ 2 = 4 := by\n  subst h; norm_num';
const lean = (code: string) => '```lean4\n' + code + '\n```';

describe('header-like lines the model restates', () => {
  it.each([
    ['a header line with a trailing comment', 'set_option maxHeartbeats 400000 -- as in the header'],
    ['a header line with other spacing', 'set_option  maxHeartbeats   400000'],
    ['open scoped of a namespace the header opens', 'open scoped BigOperators'],
    ['a subset of the header’s namespaces, reordered', 'open Nat Real'],
    ['a header open used as a prefix', 'open Real in'],
  ])('drops %s', (_name, line) => {
    expect(extractProof(lean(`import Mathlib\n${line}\n\n${THEOREM}`), STATEMENT, HEADER)).toMatchObject({ ok: true, auxiliary: '', preamble: '' });
  });

  it('makes the usual DeepSeek/Goedel header lines the preamble when the trusted header lacks them', () => {
    const code = `import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n${THEOREM}`;
    expect(extractProof(lean(code), STATEMENT, 'import Mathlib\n')).toMatchObject({
      ok: true,
      auxiliary: '',
      preamble: 'set_option maxHeartbeats 400000\nopen BigOperators Real Nat Topology Rat',
      proof: 'by\n  subst h; norm_num',
    });
  });

  it('makes open lines the header lacks, scoped opens and a different option value the preamble', () => {
    const code = `open Real Nat Finset\nopen scoped Matrix\nset_option maxHeartbeats 800000 in\n${THEOREM}`;
    expect(extractProof(lean(code), STATEMENT, HEADER)).toMatchObject({
      ok: true,
      auxiliary: '',
      preamble: 'open Real Nat Finset\nopen scoped Matrix\nset_option maxHeartbeats 800000',
    });
  });

  it('keeps lines before an auxiliary declaration, and complex open forms, in the auxiliary text', () => {
    const code = `open Finset\n\nlemma two : (2 : ℝ) ^ 2 = 4 := by norm_num\n\nopen Real hiding pi\n\n${THEOREM}`;
    expect(extractProof(lean(code), STATEMENT, HEADER)).toMatchObject({
      ok: true,
      auxiliary: 'open Finset\n\nlemma two : (2 : ℝ) ^ 2 = 4 := by norm_num\n\nopen Real hiding pi',
      preamble: '',
    });
  });

  it('treats the lines of a whole file the model indented like top-level lines', () => {
    const code = `  import Mathlib\n\n  set_option maxHeartbeats 400000\n\n  open BigOperators Real Nat Topology Rat\n  open Finset\n\n  ${THEOREM.replace('\n', '\n  ')}`;
    expect(extractProof(code, STATEMENT, HEADER)).toMatchObject({ ok: true, auxiliary: '', preamble: 'open Finset' });
  });

  it('never takes an open indented inside an auxiliary proof', () => {
    const code = `lemma two : (2 : ℝ) ^ 2 = 4 := by\n  open Real in\n  norm_num\n${THEOREM}`;
    expect(extractProof(code, STATEMENT, 'import Mathlib\n')).toMatchObject({ ok: true, auxiliary: 'lemma two : (2 : ℝ) ^ 2 = 4 := by\n  open Real in\n  norm_num', preamble: '' });
  });
});

describe('the trusted statement’s own preamble (PutnamBench style)', () => {
  const PUTNAM = 'abbrev putnam_sol : ℕ := 3\n\n/-- The answer is 3. -/\ntheorem putnam_x : putnam_sol + 1 = 4 := by sorry';

  it('drops the model’s faithful copy of the statement’s definitions', () => {
    const code = 'import Mathlib\n\n-- the answer\nabbrev putnam_sol : ℕ :=\n  3\n\n/-- The answer is 3. -/\ntheorem putnam_x : putnam_sol + 1 = 4 := by\n  decide';
    expect(extractProof(lean(code), PUTNAM, 'import Mathlib\n')).toMatchObject({ ok: true, auxiliary: '', preamble: '', proof: 'by\n  decide' });
  });

  it('keeps a modified copy as auxiliary code, and the model’s own lemmas', () => {
    expect(extractProof(lean('abbrev putnam_sol : ℕ := 4\n\ntheorem putnam_x : putnam_sol + 1 = 4 := by\n  decide'), PUTNAM)).toMatchObject({ ok: true, auxiliary: 'abbrev putnam_sol : ℕ := 4' });
    const withLemma = 'abbrev putnam_sol : ℕ := 3\n\nlemma sol_eq : putnam_sol = 3 := rfl\n\ntheorem putnam_x : putnam_sol + 1 = 4 := by\n  rw [sol_eq]';
    expect(extractProof(lean(withLemma), PUTNAM)).toMatchObject({ ok: true, auxiliary: 'lemma sol_eq : putnam_sol = 3 := rfl' });
  });

  it('drops a copy of a namespace the statement opens, and the model’s closing end after the proof', () => {
    const statement = 'namespace Putnam\n\ntheorem p1 : (1 : ℕ) + 1 = 2 := by sorry';
    const code = 'namespace Putnam\n\ntheorem p1 : (1 : ℕ) + 1 = 2 := by\n  norm_num\n\nend Putnam\n';
    expect(extractProof(lean(code), statement)).toMatchObject({ ok: true, auxiliary: '', preamble: '', proof: 'by\n  norm_num' });
    expect(extractProof(lean('theorem Putnam.p1 : (1 : ℕ) + 1 = 2 := by\n  norm_num'), statement)).toMatchObject({ ok: true, source: 'statement_repeated', auxiliary: '' });
  });

  it('keeps an end that closes nothing the statement opened in the proof (L1 rejects it there)', () => {
    const statement = 'theorem p1 : (1 : ℕ) + 1 = 2 := by sorry';
    expect(extractProof(lean('theorem p1 : (1 : ℕ) + 1 = 2 := by\n  norm_num\n\nend Putnam'), statement)).toMatchObject({ ok: true, proof: 'by\n  norm_num\n\nend Putnam' });
  });
});
