import { createHash } from 'node:crypto';

export interface SplitOptions {
  /** Share of statements in `validation` (0..1); the rest is `train`. */
  validation_fraction: number;
  /** Mixed into the hash: changing it reshuffles every assignment, so keep it fixed across runs. */
  salt: string;
}

export type SplitName = 'train' | 'validation';

/**
 * The split of a statement, from the hash of its NORMALISED form (`hashes.statement`, see
 * statement-fingerprint.ts) — never from the problem id or source — so one statement lands in one
 * split whatever file or id it comes under, and the assignment is the same on every machine and
 * every night. The point u = sha256(salt, statement hash) read as a number in [0, 1) (52 bits)
 * falls into `validation` when u < validation_fraction.
 */
export function assignSplit(statementHash: string, options: SplitOptions): SplitName {
  const { validation_fraction: fraction, salt } = options;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`Expected validation_fraction between 0 and 1, got ${fraction}`);
  }
  return splitPoint(statementHash, salt) < fraction ? 'validation' : 'train';
}

/** Where a statement falls in [0, 1): the hash of salt + statement hash, as a 52-bit fraction. */
export function splitPoint(statementHash: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${statementHash}`).digest('hex');
  return parseInt(digest.slice(0, 13), 16) / 2 ** 52;
}
