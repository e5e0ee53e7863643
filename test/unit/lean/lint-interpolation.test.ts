import { describe, expect, it } from 'vitest';
import { lintInput } from '../../../pipeline/lean/lint.ts';
import { STANDARD_POLICY, STRICT_POLICY } from '../../../pipeline/lean/policy.ts';

const MATHLIB_HEADER = 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n';
const STATEMENT = 'theorem t (a b : ℕ) (h1 : a ≤ b) (h2 : b ≤ a) : a = b := by sorry';
const HIDDEN = `(by run_tac do
      let _ ← (IO.asTask (prio := .dedicated) (do IO.sleep 1000; IO.println (String.mk [Char.ofNat 123, Char.ofNat 125]))).toBaseIO
    exact ())`;

function completion(head: string): string {
  const proof = `by\n  let ${head} : String → Unit → String → Unit := fun _ _ _ => ()\n  have _ := ${head} "{" ${HIDDEN} "}"\n  exact Nat.le_antisymm h1 h2`;
  return '```lean4\n' + STATEMENT.replace('by sorry', proof) + '\n```';
}

describe('L1 and interpolated strings (review of issue #6)', () => {
  // A «m!» identifier is an ordinary name in Lean, but the lexer reads `«m!» "{"` as the start of an
  // interpolated string: the code between two plain strings would be hidden from L1.
  it.each(['«m!»', '«s!»', '«f!»', '«println!»', '«dbg_trace»', 'm!', 'panic!', 'reportIssue!'])('rejects %s followed by a string under both policies', (head) => {
    for (const policy of [STRICT_POLICY, STANDARD_POLICY]) {
      const outcome = lintInput({ id: 'x', header: MATHLIB_HEADER, formal_statement: STATEMENT, completion: completion(head) }, policy);
      expect(outcome.kind, `${head} under ${policy.name}`).toBe('rejected');
      expect(outcome.reason).toBe('banned_construct');
      expect(outcome.detail).toMatch(/interpolated strings/);
    }
  });

  it('still accepts a term-mode calc whose steps start in column 0', () => {
    const statement = 'theorem c (a b : Nat) (h : a = b) : a = b := by sorry';
    const text = '```lean4\ntheorem c (a b : Nat) (h : a = b) : a = b :=\ncalc a = a := rfl\n_ = b := h\n```';
    const outcome = lintInput({ id: 'c', header: '', formal_statement: statement, completion: text }, STRICT_POLICY);
    expect(outcome.kind, outcome.detail).toBe('unchecked');
  });

  it('lets a plain string after an ordinary identifier through', () => {
    const statement = 'theorem s : "ab".length = 2 := by sorry';
    const outcome = lintInput({ id: 's', header: '', formal_statement: statement, completion: '```lean4\ntheorem s : "ab".length = 2 := by\n  simp [String.length]\n```' }, STRICT_POLICY);
    expect(outcome.kind, outcome.detail).toBe('unchecked');
  });
});
