import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { lintInput } from '../../../pipeline/lean/lint.ts';
import { STANDARD_POLICY, STRICT_POLICY } from '../../../pipeline/lean/policy.ts';

const HEADER = 'import Mathlib\n\nset_option maxHeartbeats 0\n\nopen Real\n';
const input = (completion: string, formal_statement = 'theorem t (x : ℝ) (h : x = 2) : x + 1 = 3 := by sorry') => ({ id: 'p1', header: HEADER, formal_statement, completion });

describe('lintInput (proofline lint)', () => {
  it('leaves a clean proof unchecked at L1, with the extracted proof attached', () => {
    const outcome = lintInput(input('```lean4\ntheorem t (x : ℝ) (h : x = 2) : x + 1 = 3 := by\n  subst h\n  norm_num\n```'), STRICT_POLICY);
    expect(outcome).toMatchObject({ kind: 'unchecked', reason: null, layer: 'L1' });
    expect(outcome.extracted).toMatchObject({ ok: true, proof: 'by\n  subst h\n  norm_num', auxiliary: '' });
  });

  it('rejects a completion without Lean as no_proof at L0', () => {
    const outcome = lintInput(input('I think the answer is 3.\n```python\nprint(3)\n```'), STANDARD_POLICY);
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'no_proof', layer: 'L0' });
    expect(outcome.detail).toContain('`python`');
  });

  it('rejects auxiliary declarations at L0 under the strict policy, and lets standard lint them', () => {
    const completion = '```lean4\nlemma two : (2 : ℝ) + 1 = 3 := by norm_num\n\ntheorem t (x : ℝ) (h : x = 2) : x + 1 = 3 := by\n  rw [h]; exact two\n```';
    const strict = lintInput(input(completion), STRICT_POLICY);
    expect(strict).toMatchObject({ kind: 'rejected', reason: 'banned_construct', layer: 'L0' });
    expect(strict.detail).toContain('strict@2 allows only a proof body');
    expect(strict.detail).toContain('`lemma` at line 1, column 0');
    expect(lintInput(input(completion), STANDARD_POLICY)).toMatchObject({ kind: 'unchecked', layer: 'L1' });
  });

  it('does not count the model’s copies of the header lines as auxiliary text', () => {
    const completion = '```lean4\nimport Mathlib\n\nset_option maxHeartbeats 0\n\nopen Real\n\n/-- doc -/\ntheorem t (x : ℝ) (h : x = 2) : x + 1 = 3 := by\n  subst h; norm_num\n```';
    expect(lintInput(input(completion), STRICT_POLICY)).toMatchObject({ kind: 'unchecked' });
  });

  it('rejects a banned construct at L1 with its position in the proof', () => {
    const outcome = lintInput(input('by\n  subst h\n  native_decide'), STANDARD_POLICY);
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'banned_construct', layer: 'L1' });
    expect(outcome.detail).toBe('banned construct `native_decide` at line 3, column 2 of the proof: trusts compiled code instead of the kernel');
  });

  it('never lints the trusted header, which may set maxHeartbeats 0', () => {
    expect(HEADER).toContain('maxHeartbeats 0');
    expect(lintInput(input('norm_num [h]'), STRICT_POLICY).kind).toBe('unchecked');
  });

  it('throws INPUT_INVALID when the trusted statement has no theorem name', () => {
    try {
      lintInput(input('by simp', 'example : 1 = 1 := by sorry'), STRICT_POLICY);
      expect.unreachable();
    } catch (error) {
      expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
    }
  });
});
