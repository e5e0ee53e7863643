import { describe, expect, it } from 'vitest';
import { meanPassAtK, passAtK } from '../../../pipeline/build/pass-at-k.ts';

describe('passAtK (unbiased estimator)', () => {
  it('matches hand-computed 1 - C(n-c,k)/C(n,k)', () => {
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12); // 1 - 3/5
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12); // 1 - C(3,2)/C(5,2) = 1 - 3/10
    expect(passAtK(8, 1, 4)).toBeCloseTo(0.5, 12); // 1 - C(7,4)/C(8,4) = 1 - 35/70
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 12); // C(7,5)=21, C(10,5)=252
  });

  it('is 0 with no accepted candidate, 1 when fewer than k failures exist', () => {
    expect(passAtK(4, 0, 2)).toBe(0);
    expect(passAtK(4, 3, 2)).toBe(1);
    expect(passAtK(4, 4, 4)).toBe(1);
  });

  it('is undefined (null) when fewer candidates than k were checked', () => {
    expect(passAtK(3, 1, 4)).toBeNull();
  });

  it('stays exact for large n where binomials overflow', () => {
    expect(passAtK(100_000, 1, 1)).toBeCloseTo(1e-5, 15);
    expect(passAtK(2000, 1000, 1000)).toBe(1 - Math.exp(lnBinom(1000, 1000) - lnBinom(2000, 1000)) || 1);
  });

  it('rejects impossible tallies', () => {
    expect(() => passAtK(2, 3, 1)).toThrow('n=2 c=3');
  });
});

describe('meanPassAtK', () => {
  it('averages per problem and leaves out problems with n < k (errored candidates are not in n)', () => {
    // p1: 4 checked, 1 accepted; p2: 4 checked, 0; p3: 2 checked (2 errored), 2 accepted.
    const tallies = [{ n: 4, c: 1 }, { n: 4, c: 0 }, { n: 2, c: 2 }];
    expect(meanPassAtK(tallies, 1)).toEqual({ k: 1, mean: (0.25 + 0 + 1) / 3, problems: 3, problems_below_k: 0 });
    expect(meanPassAtK(tallies, 4)).toEqual({ k: 4, mean: 0.5, problems: 2, problems_below_k: 1 });
    expect(meanPassAtK([], 1).mean).toBeNull();
  });
});

function lnBinom(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}
