import { describe, expect, it } from 'vitest';
import { decideHoldout, EvalIndex, loadEvalIndex, parseEvalSet } from '../../../pipeline/build/decontaminate.ts';
import { statementHash } from '../../../pipeline/build/statement-fingerprint.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';

const evalStatement = 'theorem mathd_algebra_10 : abs ((120 : ℝ) / 100 * 30 - 130 / 100 * 20) = 10 := by sorry';
const fingerprintLine = (id: string, statement: string): string =>
  JSON.stringify({ id, source: 'minif2f', split: 'test', statement_sha256: statementHash(statement), normalization: 'statement-v1' });
const index = new EvalIndex(parseEvalSet('minif2f-test', fingerprintLine('mathd_algebra_10', evalStatement)));
const on = { hold_out_eval_sets: true };

describe('decideHoldout', () => {
  it('holds out a problem whose own source and split are an evaluation split', () => {
    const problem = { id: 'minif2f_core_x', source: 'minif2f', split: 'valid', formal_statement: 'theorem x : 1 = 1 := by sorry' };
    expect(decideHoldout(problem, index, on)).toMatchObject({ reason: 'eval_split' });
  });

  it('does not hold out a `test` split of a source that is not an evaluation set (tpil4, original)', () => {
    for (const source of ['tpil4', 'original', 'lean-workbook']) {
      expect(decideHoldout({ id: 'q', source, split: 'test', formal_statement: 'theorem q : 2 = 2 := by sorry' }, index, on)).toBeNull();
    }
  });

  it('holds out an exact normalised-statement match under another id, source and spelling', () => {
    const copy = { id: 'workbook_17', source: 'lean-workbook', split: 'train', formal_statement: 'theorem lw17 :\n  abs ((120 : Real) / 100 * 30 - 130 / 100 * 20) = 10 := by\n  sorry' };
    expect(decideHoldout(copy, index, on)).toEqual({
      reason: 'eval_statement_match',
      detail: 'statement equals minif2f-test/mathd_algebra_10 (test) after statement-v1 normalisation',
    });
  });

  it('keeps everything when the config allows evaluation problems', () => {
    expect(decideHoldout({ id: 'x', source: 'minif2f', split: 'test', formal_statement: evalStatement }, index, { hold_out_eval_sets: false })).toBeNull();
  });

  it('loads the shipped eval sets (miniF2F, ProofNet, PutnamBench, …) into one index', () => {
    const shipped = loadEvalIndex('datasets/eval-sets');
    expect(shipped.size).toBeGreaterThan(2000);
    const putnam = { id: 'mine', source: 'original', split: 'train', formal_statement: 'theorem putnam_1962_a1 : True := by sorry' };
    expect(decideHoldout(putnam, shipped, on)).toBeNull();
  });

  it('refuses a fingerprint line of another normalisation version with CONFIG_INVALID', () => {
    const stale = JSON.stringify({ id: 'a', source: 's', split: 'test', statement_sha256: 'a'.repeat(64), normalization: 'statement-v0' });
    try {
      parseEvalSet('old', `\n${stale}`);
      expect.unreachable();
    } catch (error) {
      expect(isProoflineError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain('old:2');
    }
  });
});
