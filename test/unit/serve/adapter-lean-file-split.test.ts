import { describe, expect, it } from 'vitest';
import { declarationKeys, splitLeanFile, statementKey } from '../../../pipeline/serve/adapters/lean-file-split.ts';
import { createStatementIndex } from '../../../pipeline/serve/adapters/statement-index.ts';

describe('splitLeanFile (adapters: whole Lean file → header + formal_statement)', () => {
  it('puts leading imports, set_options and opens in the header and ends the statement at its own :=', () => {
    const file = 'import Mathlib\nset_option maxHeartbeats 400000\nopen Real in\ntheorem t (x : ℝ) (h : let y := x; y = 1) : x = 1 := by\n  simpa using h\n\ntheorem u : True := trivial';
    expect(splitLeanFile(file, 'first')).toMatchObject({
      header: 'import Mathlib\nset_option maxHeartbeats 400000',
      formal_statement: 'open Real in\ntheorem t (x : ℝ) (h : let y := x; y = 1) : x = 1 := by sorry',
    });
  });

  it('ignores := and theorem inside comments and strings', () => {
    const file = 'import Mathlib\n-- theorem fake : False := sorry\ntheorem t (s : String := "a := b") : s = s := rfl';
    expect(splitLeanFile(file, 'first')?.formal_statement).toBe('-- theorem fake : False := sorry\ntheorem t (s : String := "a := b") : s = s := by sorry');
  });

  it('takes the last declaration of a trusted statement with its own lemmas, the first of a snippet', () => {
    const text = 'lemma aux : 1 = 1 := rfl\ntheorem main : 2 = 2 := by sorry';
    expect(splitLeanFile(text, 'last')?.formal_statement).toBe(text);
    expect(splitLeanFile(text, 'first')?.formal_statement).toBe('lemma aux : 1 = 1 := by sorry');
  });

  it('returns null for a file without a named theorem', () => {
    expect(splitLeanFile('import Mathlib\n#check Nat\nexample : True := trivial', 'first')).toBeNull();
  });
});

describe('statement keys and the registry index', () => {
  it('match the same theorem whatever its layout and comments, and not a changed one', () => {
    const registered = 'theorem t (a : ℕ) :\n  a + 0 = a := by sorry';
    expect(statementKey(registered)).toBe(declarationKeys('import Mathlib\ntheorem  t (a : ℕ) : -- note\n a + 0 = a := by simp')[0]);
    const index = createStatementIndex([{ id: 'p1', formal_statement: registered }]);
    expect(index.findProblemId('theorem t (a : ℕ) : a + 0 = a := by simp')).toBe('p1');
    expect(index.findProblemId('theorem t (a : ℕ) : a + 0 = a ∨ True := by simp')).toBeNull();
    expect(index.findProblemId('lemma helper : True := trivial\ntheorem t (a : ℕ) : a + 0 = a := by simp')).toBe('p1');
  });
});
