import { describe, expect, it } from 'vitest';
import { CanonicalRecordSchema } from '../../../pipeline/schemas/canonical-record.ts';
import { RewardRecordSchema, toRewardRecord } from '../../../pipeline/schemas/reward-record.ts';
import { makeRecord } from './canonical-fixtures.ts';

describe('CanonicalRecord', () => {
  it('has a deterministic id from problem id and sample index', () => {
    expect(makeRecord({ problem: 'a#b', index: 3, outcome: { accepted: true } }).id).toBe('a#b#3');
  });

  it('holds exactly one of a verdict and an infrastructure error', () => {
    const accepted = makeRecord({ index: 0, outcome: { accepted: true } });
    const errored = makeRecord({ index: 1, outcome: { error: 'LEAN_CRASHED' } });
    expect(CanonicalRecordSchema.safeParse({ ...accepted, error: errored.error }).success).toBe(false);
    expect(CanonicalRecordSchema.safeParse({ ...errored, error: null }).success).toBe(false);
  });

  it('refuses an accepted record without the checked Lean file, and a rejection without a reason', () => {
    const accepted = makeRecord({ index: 0, outcome: { accepted: true } });
    expect(CanonicalRecordSchema.safeParse({ ...accepted, lean_file: null }).success).toBe(false);
    const rejected = makeRecord({ index: 0, outcome: { rejected: 'lean_error' } });
    expect(CanonicalRecordSchema.safeParse({ ...rejected, verdict: { ...rejected.verdict, reason: null } }).success).toBe(false);
  });
});

describe('RewardRecord', () => {
  it('is 1 for accepted and 0 for rejected, with kind, reason, layer and provenance', () => {
    const up = toRewardRecord(makeRecord({ index: 0, outcome: { accepted: true } }));
    const down = toRewardRecord(makeRecord({ index: 1, outcome: { rejected: 'sorry' } }));
    expect(up).toMatchObject({ status: 'scored', reward: 1, verdict: { kind: 'accepted', reason: null, layer: 'L3' } });
    expect(down).toMatchObject({ status: 'scored', reward: 0, verdict: { kind: 'rejected', reason: 'sorry', layer: 'L2' } });
    expect(down.provenance?.toolchain).toBe('4.33.0');
    expect(RewardRecordSchema.parse(up)).toEqual(up);
  });

  it('gives an infrastructure error status "error" and reward null — never 0', () => {
    const record = toRewardRecord(makeRecord({ index: 2, outcome: { error: 'LEAN_CRASHED' } }));
    expect(record).toMatchObject({ status: 'error', reward: null, verdict: null, error: { code: 'LEAN_CRASHED', retryable: true } });
    expect(RewardRecordSchema.parse(record)).toEqual(record);
    expect(RewardRecordSchema.safeParse({ ...record, reward: 0 }).success).toBe(false);
    expect(RewardRecordSchema.safeParse({ ...record, status: 'scored' }).success).toBe(false);
  });
});
