import { describe, expect, it } from 'vitest';
import { assignSplit, splitPoint } from '../../../pipeline/build/splits.ts';
import { sha256Hex, statementHash } from '../../../pipeline/build/statement-fingerprint.ts';

const options = { validation_fraction: 0.05, salt: 'proofline-splits-v1' };
const hashes = Array.from({ length: 20_000 }, (_, i) => sha256Hex(`statement ${i}`));

describe('assignSplit', () => {
  it('puts one statement in one split whatever its id, source or layout', () => {
    const a = statementHash('theorem amc12a_2015_p10 (x y : ℤ) (h₀ : 0 < y) : x = 26 := by sorry');
    const b = statementHash('theorem minif2f_core_amc12a_2015_p10 (x y : Int)\n  (h₀ : 0 < y) : x = 26 := by\n  sorry');
    for (const salt of ['s1', 's2', 's3', 's4']) expect(assignSplit(b, { ...options, salt })).toBe(assignSplit(a, { ...options, salt }));
  });

  it('gives the configured share to validation, deterministically', () => {
    const validation = hashes.filter((h) => assignSplit(h, options) === 'validation').length;
    expect(validation / hashes.length).toBeGreaterThan(0.045);
    expect(validation / hashes.length).toBeLessThan(0.055);
    expect(hashes.map((h) => assignSplit(h, options))).toEqual(hashes.map((h) => assignSplit(h, options)));
  });

  it('reshuffles with another salt, and honours the 0 and 1 extremes', () => {
    const moved = hashes.filter((h) => assignSplit(h, options) !== assignSplit(h, { ...options, salt: 'other' })).length;
    expect(moved).toBeGreaterThan(hashes.length * 0.05);
    expect(hashes.every((h) => assignSplit(h, { ...options, validation_fraction: 0 }) === 'train')).toBe(true);
    expect(hashes.every((h) => assignSplit(h, { ...options, validation_fraction: 1 }) === 'validation')).toBe(true);
  });

  it('is a pure function of salt and hash (points in [0, 1))', () => {
    expect(splitPoint(hashes[0]!, 'x')).toBe(splitPoint(hashes[0]!, 'x'));
    expect(hashes.every((h) => { const u = splitPoint(h, 'x'); return u >= 0 && u < 1; })).toBe(true);
  });

  it('rejects a fraction outside [0, 1] with the value received', () => {
    expect(() => assignSplit(hashes[0]!, { ...options, validation_fraction: 1.5 })).toThrow('got 1.5');
  });
});
