import { describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';

const STATEMENT = 'theorem mathd_algebra_10 (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by sorry';
const HEADER = 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat\n\n';
const lean = (code: string) => '```lean4\n' + code + '\n```';

describe('extractProof: the model repeats the statement', () => {
  it('takes everything after the first := at depth 0 that follows the target name, keeping `by` and indentation', () => {
    const code = 'theorem mathd_algebra_10 (x : ℝ) (h₀ : x = 2 := by rfl) : x + 1 = 3 := by\n    subst h₀\n    norm_num';
    expect(extractProof(lean(code), STATEMENT)).toMatchObject({
      ok: true,
      auxiliary: '',
      proof: 'by\n    subst h₀\n    norm_num',
      source: 'statement_repeated',
      fence: 'lean_block',
    });
  });

  it('never uses the model’s own copy of the statement', () => {
    const result = extractProof(lean('theorem mathd_algebra_10 : False := by\n  exact cheat'), STATEMENT);
    expect(result).toMatchObject({ ok: true, proof: 'by\n  exact cheat', auxiliary: '' });
  });

  it('keeps a term-mode proof as a term', () => {
    expect(extractProof('lemma mathd_algebra_10 (x : ℝ) (h₀ : x = 2) : x + 1 = 3 :=\n  by subst h₀; norm_num', STATEMENT)).toMatchObject({ ok: true, proof: 'by subst h₀; norm_num' });
  });

  it('drops imports, header lines the trusted header already has, the statement’s doc comment and modifiers', () => {
    const code = `${HEADER}/-- What is $x+1$? Show that it is 3. -/\n@[simp] private theorem mathd_algebra_10 (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by\n  norm_num [h₀]`;
    expect(extractProof(lean(code), STATEMENT, HEADER)).toMatchObject({ ok: true, auxiliary: '', proof: 'by\n  norm_num [h₀]' });
  });

  it('drops an open line that repeats the header’s namespaces in another order', () => {
    const code = 'import Mathlib\nopen BigOperators Nat Rat Real Topology\n\ntheorem mathd_algebra_10 (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by\n  norm_num [h₀]';
    expect(extractProof(code, STATEMENT, HEADER)).toMatchObject({ ok: true, auxiliary: '' });
  });

  it('keeps auxiliary declarations, with the lines before them, and makes a trailing option line the preamble', () => {
    const code = `import Mathlib\nopen Finset\n\nlemma helper : (2 : ℝ) + 1 = 3 := by norm_num\n\nset_option maxRecDepth 1000 in\ntheorem mathd_algebra_10 (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by\n  rw [h₀]; exact helper`;
    expect(extractProof(code, STATEMENT, HEADER)).toMatchObject({
      ok: true,
      auxiliary: 'open Finset\n\nlemma helper : (2 : ℝ) + 1 = 3 := by norm_num',
      preamble: 'set_option maxRecDepth 1000',
      proof: 'by\n  rw [h₀]; exact helper',
    });
  });

  it('finds the declaration with the lexer, not in comments or strings', () => {
    const code = '-- theorem mathd_algebra_10 : True := trivial\n/- theorem mathd_algebra_10 := x -/\nnorm_num [h₀]';
    expect(extractProof(code, STATEMENT)).toMatchObject({ ok: true, source: 'body_only' });
  });

  it('drops a leading -/ that closes a doc comment the prompt opened', () => {
    const code = '-/\ntheorem mathd_algebra_10 (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by\n  norm_num [h₀]\n```';
    expect(extractProof(code, STATEMENT)).toMatchObject({ ok: true, auxiliary: '', proof: 'by\n  norm_num [h₀]' });
  });

  it('reports a declaration without := and one with nothing after it as no_proof', () => {
    expect(extractProof(lean('theorem mathd_algebra_10 (x : ℝ) : x = x\n  by rfl'), STATEMENT)).toMatchObject({
      ok: false,
      reason: 'no_proof',
      detail: 'the code declares `theorem mathd_algebra_10` (line 1) but has no `:=` (or `| …` equations) after its statement',
    });
    expect(extractProof('theorem mathd_algebra_10 (x : ℝ) : x = x :=   ', STATEMENT)).toMatchObject({ ok: false, detail: 'nothing follows `:=` in the code\'s `theorem mathd_algebra_10`' });
  });
});

describe('extractProof: the code is a proof body', () => {
  it('indents every line by 2 when no line after the first is indented', () => {
    expect(extractProof('subst h₀\nnorm_num\n\nlinarith', STATEMENT)).toMatchObject({ ok: true, proof: 'by\n  subst h₀\n  norm_num\n\n  linarith', source: 'body_only', auxiliary: '' });
  });

  it('gives the first line the smallest indentation of the following lines', () => {
    const body = 'have h : x = 2 := by\n      exact h₀\n    norm_num [h]\n  ```';
    expect(extractProof(body, STATEMENT)).toMatchObject({ ok: true, proof: 'by\n    have h : x = 2 := by\n      exact h₀\n    norm_num [h]' });
  });

  it('indents a one-line body by 2', () => {
    expect(extractProof('  nlinarith [sq_nonneg x]', STATEMENT)).toMatchObject({ ok: true, proof: 'by\n  nlinarith [sq_nonneg x]' });
  });

  it('uses a body that already starts with by as it is', () => {
    expect(extractProof('by\n  norm_num [h₀]\n', STATEMENT)).toMatchObject({ ok: true, proof: 'by\n  norm_num [h₀]' });
  });

  it('keeps the reasoning outside the chosen block', () => {
    const completion = '  norm_num [h₀]\n```\n\nWe substitute x = 2.';
    expect(extractProof(completion, STATEMENT)).toMatchObject({ ok: true, reasoning: 'We substitute x = 2.', fence: 'before_closing_fence' });
  });
});

describe('extractProof: no proof', () => {
  it.each([
    ['an empty completion', '', 'the Lean code (whole completion) is empty'],
    ['an empty lean4 block', '```lean4\n\n```', 'the Lean code (last lean4/lean block) is empty'],
    ['comments only', '-- I could not find a proof\n/- sorry -/', 'the Lean code (whole completion) contains only comments'],
    ['a renamed theorem', 'import Mathlib\n\ntheorem my_version (x : ℝ) : x = x := by rfl', 'the code starts with `import` like a Lean file but declares `theorem my_version`, not the target `mathd_algebra_10` (renamed theorems are not matched)'],
    ['a file without any theorem', 'import Mathlib\nopen Real', 'the code starts with `import` like a Lean file but declares no theorem, not the target `mathd_algebra_10` (renamed theorems are not matched)'],
  ])('reports %s with a precise sentence', (_name, completion, detail) => {
    expect(extractProof(completion, STATEMENT)).toEqual({ ok: false, reason: 'no_proof', detail, reasoning: null });
  });

  it('keeps the reasoning of a completion that has no Lean', () => {
    expect(extractProof('<think>hard</think>\n```python\nprint(1)\n```', STATEMENT)).toMatchObject({ ok: false, reasoning: 'hard' });
  });

  it('throws INPUT_INVALID, not no_proof, when the trusted statement has no theorem name', () => {
    try {
      extractProof('by simp', 'example : True := by sorry');
      expect.unreachable();
    } catch (error) {
      expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
    }
  });
});

describe('extractProof: body indentation edge cases', () => {
  it('keeps a leading comment line as the first line of the body', () => {
    expect(extractProof('\n\n-- first simplify\n  simp [h₀]\n  norm_num', STATEMENT)).toMatchObject({ ok: true, proof: 'by\n  -- first simplify\n  simp [h₀]\n  norm_num' });
  });

  it('leaves blank lines blank when indenting a flush-left body', () => {
    expect(extractProof('-- step 1\nsimp\n   \nnorm_num', STATEMENT)).toMatchObject({ ok: true, proof: 'by\n  -- step 1\n  simp\n   \n  norm_num' });
  });
});

describe('extractProof with a copy of the trusted header', () => {
  it('drops the header\'s own helper definitions when the model repeats the whole file', () => {
    const header = 'def fib : Nat → Nat\n  | 0 => 0\n  | 1 => 1\n  | n + 2 => fib n + fib (n + 1)\n\n';
    const completion = 'def fib : Nat → Nat\n  | 0 => 0\n  | 1 => 1\n  | n + 2 => fib n + fib (n + 1)\n\ntheorem orig_fib_10 : fib 10 = 55 := by decide\n';
    const result = extractProof(completion, 'theorem orig_fib_10 : fib 10 = 55 := by sorry', header);
    expect(result).toMatchObject({ ok: true, auxiliary: '', proof: 'by decide' });
  });

  it('keeps a helper definition that differs from the header as auxiliary code', () => {
    const header = 'def fib : Nat → Nat\n  | 0 => 0\n  | 1 => 1\n  | n + 2 => fib n + fib (n + 1)\n\n';
    const completion = 'def fib : Nat → Nat\n  | _ => 55\n\ntheorem orig_fib_10 : fib 10 = 55 := by decide\n';
    const result = extractProof(completion, 'theorem orig_fib_10 : fib 10 = 55 := by sorry', header);
    expect(result.ok && result.auxiliary).toContain('| _ => 55');
  });
});

describe('extractProof: where the model’s copy of the statement ends', () => {
  const LET_STATEMENT = 'theorem let_sq (n : ℕ) : let m := n + 1; m * m = n * n + 2 * n + 1 := by sorry';

  it('skips the := of a let (or have) inside the statement’s type', () => {
    const code = 'theorem let_sq (n : ℕ) : let m := n + 1; m * m = n * n + 2 * n + 1 := by\n  intro m\n  ring';
    expect(extractProof(lean(code), LET_STATEMENT)).toMatchObject({ ok: true, form: 'term', proof: 'by\n  intro m\n  ring' });
    const multiline = 'theorem let_sq (n : ℕ) :\n    let m := n + 1\n    have _h : m = m := rfl\n    m * m = n * n + 2 * n + 1 := by\n  intro m _h\n  ring';
    expect(extractProof(lean(multiline), LET_STATEMENT)).toMatchObject({ ok: true, proof: 'by\n  intro m _h\n  ring' });
  });

  it('still takes the first := when the model’s copy dropped the let', () => {
    expect(extractProof(lean('theorem let_sq (n : ℕ) : (n + 1) * (n + 1) = n * n + 2 * n + 1 := by ring'), LET_STATEMENT)).toMatchObject({ ok: true, proof: 'by ring' });
  });

  it('takes pattern-matching equations as the proof, keeping their indentation', () => {
    const statement = 'theorem all_zero_add : ∀ n : ℕ, 0 + n = n := by sorry';
    const code = 'theorem all_zero_add : ∀ n : ℕ, 0 + n = n\n  | 0 => rfl\n  | n + 1 => congrArg Nat.succ (all_zero_add n)';
    expect(extractProof(lean(code), statement)).toMatchObject({
      ok: true,
      form: 'equations',
      source: 'statement_repeated',
      proof: '  | 0 => rfl\n  | n + 1 => congrArg Nat.succ (all_zero_add n)',
    });
    expect(extractProof('| 0 => rfl\n| n + 1 => congrArg Nat.succ (all_zero_add n)', statement)).toMatchObject({ ok: true, form: 'equations', source: 'body_only', proof: '| 0 => rfl\n| n + 1 => congrArg Nat.succ (all_zero_add n)' });
  });

  it('does not mistake |x| in the statement, or a match in its type, for equations', () => {
    const abs = 'theorem abs_nonneg_x (x : ℤ) :\n    |x| ≥ 0 := by sorry';
    expect(extractProof(lean('theorem abs_nonneg_x (x : ℤ) :\n    |x| ≥ 0 := by\n  positivity'), abs)).toMatchObject({ ok: true, form: 'term', proof: 'by\n  positivity' });
    const match = 'theorem match_pos (n : ℕ) : 0 < match n with\n  | 0 => 1\n  | _ => 2 := by sorry';
    expect(extractProof(lean('theorem match_pos (n : ℕ) : 0 < match n with\n  | 0 => 1\n  | _ => 2 := by\n  split <;> decide'), match)).toMatchObject({ ok: true, form: 'term', proof: 'by\n  split <;> decide' });
  });
});

describe('extractProof: prose is not a proof', () => {
  it.each([
    ['a plain answer', 'The answer is 3, because x = 2.', 'The answer is 3, because x = 2.'],
    ['an apology after a think block', '<think>hard</think>\nI could not find a proof of this statement.', 'I could not find a proof of this statement.'],
    ['a contraction', "Here's my attempt: substitute and simplify.", "Here's my attempt: substitute and simplify."],
  ])('reports %s without a fence as no_proof', (_name, completion, line) => {
    expect(extractProof(completion, STATEMENT)).toMatchObject({ ok: false, reason: 'no_proof', detail: `the completion has no code fence and reads as English prose, not Lean (${JSON.stringify(line)})` });
  });

  it.each([
    ['a tactic sequence', 'subst h₀\nnorm_num'],
    ['a dotted term application', 'Nat.le_of_lt_succ (by simpa using h₀)'],
    ['a tactic with a capitalised argument', 'exact Or.inl rfl'],
    ['a comment then tactics', '-- The answer is 3\nnorm_num [h₀]'],
  ])('keeps %s as a proof body', (_name, completion) => {
    expect(extractProof(completion, STATEMENT)).toMatchObject({ ok: true, source: 'body_only' });
  });

  it('judges only fence-less text: prose inside a lean4 block is Lean’s to reject', () => {
    expect(extractProof(lean('The answer is 3.'), STATEMENT)).toMatchObject({ ok: true, source: 'body_only' });
  });
});

describe('extractProof: target names', () => {
  it('matches a quoted theorem name by its components, whether or not the model quotes it', () => {
    const statement = 'theorem «1st_thm» : 1 + 1 = 2 := by sorry';
    expect(extractProof(lean('theorem «1st_thm» : 1 + 1 = 2 := by\n  norm_num'), statement)).toMatchObject({ ok: true, source: 'statement_repeated', proof: 'by\n  norm_num' });
    expect(extractProof(lean('theorem «two_eq» : 1 + 1 = 2 := by rfl'), 'theorem two_eq : 1 + 1 = 2 := by sorry')).toMatchObject({ ok: true, source: 'statement_repeated' });
  });

  it('tells «a.b» (one component) from a.b (two)', () => {
    const result = extractProof('import Mathlib\ntheorem a.b : True := trivial', 'theorem «a.b» : True := by sorry');
    expect(result).toMatchObject({ ok: false, reason: 'no_proof' });
  });

  it('names the escaped target in a renamed-theorem message', () => {
    expect(extractProof('import Mathlib\ntheorem other : True := trivial', 'theorem «1st_thm» : True := by sorry')).toMatchObject({
      ok: false,
      detail: 'the code starts with `import` like a Lean file but declares `theorem other`, not the target `«1st_thm»` (renamed theorems are not matched)',
    });
  });
});

describe('fence-less prose vs. a bare term (review of issue #6)', () => {
  const statement = 'theorem t (p q : Prop) (H : p → q) (hp : p) : q := by sorry';
  it.each(['H hp', 'Hpq hp', 'H hp -- apply the hypothesis'])('keeps the bare term %j as a proof', (completion) => {
    const extracted = extractProof(completion, statement.replace('(H : p → q)', completion.startsWith('Hpq') ? '(Hpq : p → q)' : '(H : p → q)'));
    expect(extracted.ok).toBe(true);
  });
  it.each(['The answer is q, because H maps hp to q.', 'We need to show q; apply H to hp.', 'I could not find a proof of this.'])('rejects the sentence %j as no_proof', (completion) => {
    const extracted = extractProof(completion, statement);
    expect(extracted).toMatchObject({ ok: false, reason: 'no_proof' });
  });
});
