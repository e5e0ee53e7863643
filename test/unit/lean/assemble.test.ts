import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { assembleCandidate, findStatementTarget, referenceText, statementPrefix } from '../../../pipeline/lean/assemble.ts';

const HEADER = 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n';
const STATEMENT = 'theorem mathd_algebra_10 : abs ((120 : ℝ) / 100 * 30 - 130 / 100 * 20) = 10 := by sorry';

describe('assembleCandidate', () => {
  it('builds header + blank line + statement prefix + " := " + proof', () => {
    const c = assembleCandidate({ header: HEADER, formal_statement: STATEMENT }, { auxiliary: '', proof: '  by\n  norm_num [abs_of_nonneg]' });
    expect(c.statementPrefix).toBe('theorem mathd_algebra_10 : abs ((120 : ℝ) / 100 * 30 - 130 / 100 * 20) = 10');
    expect(c.body).toBe(`${c.statementPrefix} := by\n  norm_num [abs_of_nonneg]`);
    expect(c.text).toBe(`${HEADER}\n\n${c.body}`);
    expect(c.header).toBe(HEADER);
    expect(c.target).toBe('mathd_algebra_10');
  });

  it('puts auxiliary declarations before the trusted statement, separated by a blank line', () => {
    const c = assembleCandidate({ header: '', formal_statement: 'theorem t : True := by sorry' }, { auxiliary: 'lemma h : True := trivial', proof: 'h' });
    expect(c.body).toBe('lemma h : True := trivial\n\ntheorem t : True := h');
    expect(c.text).toBe('\n\nlemma h : True := trivial\n\ntheorem t : True := h');
  });

  it('counts the lines before the body so that body line 1 is text line bodyLineOffset + 1', () => {
    for (const header of ['', 'import Mathlib', HEADER]) {
      const c = assembleCandidate({ header, formal_statement: 'theorem t : True := by sorry' }, { auxiliary: '', proof: 'by trivial' });
      const textLines = c.text.split('\n');
      expect(textLines[c.bodyLineOffset]).toBe(c.body.split('\n')[0]);
    }
  });

  it('targets the last theorem of a statement that starts with auxiliary definitions', () => {
    const statement = 'abbrev putnam_solution : ℕ := 3\n\n/-- theorem fake -/\ntheorem putnam_x (n : ℕ) : n = n := by sorry';
    const c = assembleCandidate({ header: '', formal_statement: statement }, { auxiliary: '', proof: 'by rfl' });
    expect(c.target).toBe('putnam_x');
    expect(c.statementPrefix).toBe('abbrev putnam_solution : ℕ := 3\n\n/-- theorem fake -/\ntheorem putnam_x (n : ℕ) : n = n');
  });

  it('ignores theorem names in comments and strings and unquotes «» names', () => {
    expect(findStatementTarget('-- theorem a\n/- lemma b -/ theorem «c» : "theorem d" = "" := by sorry')).toBe('c');
    expect(findStatementTarget('lemma foo.bar : True := by sorry')).toBe('foo.bar');
  });

  it('gives the target’s full name in escaped Lean syntax', () => {
    expect(findStatementTarget('theorem «1st_thm» : True := by sorry')).toBe('«1st_thm»');
    expect(findStatementTarget('theorem Foo.«b c» : True := by sorry')).toBe('Foo.«b c»');
    expect(findStatementTarget('theorem «a.b» : True := by sorry')).toBe('«a.b»');
    expect(findStatementTarget('namespace Foo\n\ntheorem bar : True := by sorry')).toBe('Foo.bar');
    expect(findStatementTarget('namespace Foo\nend Foo\nnamespace A.B\nsection\ntheorem «1» : True := by sorry')).toBe('A.B.«1»');
    expect(findStatementTarget('namespace Foo\ntheorem _root_.bar : True := by sorry')).toBe('bar');
  });

  it('throws INPUT_INVALID for a private target, which cannot be queried by name', () => {
    try {
      assembleCandidate({ header: '', formal_statement: 'private theorem t : True := by sorry' }, { auxiliary: '', proof: 'trivial' });
      expect.unreachable();
    } catch (error) {
      expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
      expect((error as Error).message).toContain('`private`');
    }
  });

  it('applies the model’s preamble to the statement’s command only, as `in` prefixes', () => {
    const c = assembleCandidate({ header: HEADER, formal_statement: STATEMENT }, { auxiliary: '', preamble: 'set_option maxHeartbeats 400000\nopen Real Nat', proof: 'by norm_num' });
    expect(c.body).toBe(`set_option maxHeartbeats 400000 in\nopen Real Nat in\n${c.statementPrefix} := by norm_num`);
    expect(c.hasAuxiliary).toBe(false);
    expect(c.text).toBe(`${HEADER}\n\n${c.body}`);
  });

  it('inserts the preamble after the statement’s own definitions, before the theorem’s doc comment', () => {
    const statement = 'abbrev putnam_solution : ℕ := 3\n\n/-- doc -/\n@[simp] theorem putnam_x (n : ℕ) : n = n := by sorry';
    const c = assembleCandidate({ header: '', formal_statement: statement }, { auxiliary: 'lemma h : True := trivial', preamble: 'open Nat', proof: 'by rfl' });
    expect(c.body).toBe('lemma h : True := trivial\n\nabbrev putnam_solution : ℕ := 3\n\nopen Nat in\n/-- doc -/\n@[simp] theorem putnam_x (n : ℕ) : n = n := by rfl');
    expect(c.hasAuxiliary).toBe(true);
  });

  it('puts the preamble after leading comments and module docs, which an `in` prefix would bind to', () => {
    const statement = '/-! Problem 3 -/\n-- from the contest\ntheorem t : True := by sorry';
    const c = assembleCandidate({ header: '', formal_statement: statement }, { auxiliary: '', preamble: 'open Nat', proof: 'trivial' });
    expect(c.body).toBe('/-! Problem 3 -/\n-- from the contest\nopen Nat in\ntheorem t : True := trivial');
  });

  it('assembles a proof by equations on the lines after the statement, with no :=', () => {
    const c = assembleCandidate(
      { header: '', formal_statement: 'theorem z : ∀ n : ℕ, 0 + n = n := by sorry' },
      { auxiliary: '', proof: '  | 0 => rfl\n  | n + 1 => congrArg Nat.succ (z n)\n', form: 'equations' },
    );
    expect(c.body).toBe('theorem z : ∀ n : ℕ, 0 + n = n\n  | 0 => rfl\n  | n + 1 => congrArg Nat.succ (z n)');
  });

  it('throws INPUT_INVALID when the trusted statement declares no theorem', () => {
    try {
      assembleCandidate({ header: '', formal_statement: 'example : True := by sorry' }, { auxiliary: '', proof: 'by trivial' });
      expect.unreachable();
    } catch (error) {
      expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
      expect((error as Error).message).toContain('example : True');
    }
  });

  it('throws INPUT_INVALID when the trusted statement does not end in := by sorry', () => {
    expect(() => statementPrefix('theorem t : True := trivial')).toThrow(/`:= by sorry`/u);
  });

  it('keeps the reference file as header + blank line + the statement with its sorry', () => {
    expect(referenceText({ header: HEADER, formal_statement: STATEMENT })).toBe(`${HEADER}\n\n${STATEMENT}`);
  });
});
