/**
 * pass@k with the unbiased estimator of Chen et al. (2021): for a problem with n checked
 * candidates of which c were accepted, pass@k = 1 - C(n-c, k) / C(n, k) — the chance that k
 * candidates drawn without replacement include an accepted one. Computed as the product
 * 1 - Π_{i=n-c+1..n} (1 - k/i), which never forms a binomial coefficient (no overflow, no
 * cancellation for large n).
 *
 * n counts candidates with a VERDICT only: a candidate whose check errored for infrastructure
 * reasons says nothing about the model and is left out of n and c (counting it as a failure would
 * be the "error becomes reward 0" mistake in another guise).
 *
 * Returns null when n < k (the estimator is undefined: fewer samples than draws).
 */
export function passAtK(n: number, c: number, k: number): number | null {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1) {
    throw new RangeError(`Expected integers 0 <= c <= n and k >= 1, got n=${n} c=${c} k=${k}`);
  }
  if (n < k) return null;
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

export interface ProblemTally {
  /** Candidates with a verdict (accepted or rejected). */
  n: number;
  /** Accepted candidates. */
  c: number;
}

export interface PassAtKSummary {
  k: number;
  /** Mean of per-problem pass@k over the problems with n >= k; null when there is none. */
  mean: number | null;
  /** Problems that entered the mean. */
  problems: number;
  /** Problems left out because n < k (errors reduced n, or fewer samples were drawn). */
  problems_below_k: number;
}

/** pass@k averaged over problems (each problem weighs the same, whatever its n). */
export function meanPassAtK(tallies: Iterable<ProblemTally>, k: number): PassAtKSummary {
  let sum = 0;
  let problems = 0;
  let below = 0;
  for (const { n, c } of tallies) {
    const value = passAtK(n, c, k);
    if (value === null) below++;
    else (sum += value, problems++);
  }
  return { k, mean: problems === 0 ? null : sum / problems, problems, problems_below_k: below };
}
