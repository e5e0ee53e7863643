import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  candidatePartKey, CheckJobPayloadSchema, clusterJobId, deadLetterKey, decodeCandidatePart, encodeCandidatePart, JOB_SCHEMA, parseJobPayload, SampleJobPayloadSchema,
} from '../../../pipeline/cluster/job-payloads.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { candidatePart, checkJob, CONFIG_HASH, completion, problem } from './payload-fixtures.ts';

const sampleJob = { schema: JOB_SCHEMA, run_id: 'nightly-20261201-abc', config_hash: CONFIG_HASH, problem_seq: 3, problem, samples: { from: 0, to: 4 } };

function failureOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('job payloads', () => {
  test('a sample job is a problem with a range of its sample indices', () => {
    expect(parseJobPayload(SampleJobPayloadSchema, 'j', sampleJob)).toEqual(sampleJob);
  });

  test.each([
    [{ ...sampleJob, samples: { from: 2, to: 2 } }, '`samples`: expected 0 <= from < to'],
    [{ ...sampleJob, samples: { from: 0, to: 300 } }, 'at most 256 samples per job'],
    [{ ...sampleJob, config_hash: 'abc' }, 'config_hash`: expected a sha256 hex digest'],
    [{ ...sampleJob, run_id: 'a:b' }, 'run_id`: expected a run id'],
    [{ ...sampleJob, problem: { ...problem, formal_statement: 'theorem t : True' } }, 'problem.formal_statement`: expected a Lean statement ending in `:= by sorry`'],
    [{ ...sampleJob, schema: 'proofline-cluster-job/v0' }, 'schema'],
    [{ ...sampleJob, extra: 1 }, 'unknown key(s) `extra`'],
  ])('a foreign or corrupt sample job is INPUT_INVALID, non-retryable, naming the job and the key (%#)', (data, message) => {
    const error = failureOf(() => parseJobPayload(SampleJobPayloadSchema, 'run/p00000003/s0-4', data));
    expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
    expect((error as unknown as { retryable: boolean }).retryable).toBe(false);
    expect(error.message).toContain('Job run/p00000003/s0-4: ');
    expect(error.message).toContain(message);
  });

  test('a check job carries exactly the completions of its range, in order, of its problem', () => {
    expect(CheckJobPayloadSchema.safeParse(checkJob(4, 8)).success).toBe(true);
    const short = { ...checkJob(0, 4), completions: checkJob(0, 4).completions.slice(0, 3) };
    expect(failureOf(() => parseJobPayload(CheckJobPayloadSchema, 'j', short)).message).toContain('expected 4 completions for samples 0..3, got 3');
    const swapped = checkJob(0, 2);
    swapped.completions.reverse();
    expect(failureOf(() => parseJobPayload(CheckJobPayloadSchema, 'j', swapped)).message).toContain('completions.0.sample_index`: expected sample 0, got 1');
    const foreign = checkJob(0, 1);
    foreign.completions[0] = completion(0, 'another_problem');
    expect(failureOf(() => parseJobPayload(CheckJobPayloadSchema, 'j', foreign)).message).toContain('expected problem mathd_algebra_10, got another_problem');
  });

  test('a check job may name samples that failed for good instead of carrying them: together they cover the range exactly once', () => {
    const error = { code: 'REPLAY_MISSING' as const, message: 'no row', retryable: false };
    const full = checkJob(0, 4);
    const gap = { ...full, completions: [full.completions[0]!, full.completions[2]!, full.completions[3]!], failed_samples: [{ sample_index: 1, error }] };
    expect(parseJobPayload(CheckJobPayloadSchema, 'j', gap).failed_samples).toEqual([{ sample_index: 1, error }]);
    const wrongGap = { ...gap, failed_samples: [{ sample_index: 2, error }] };
    expect(failureOf(() => parseJobPayload(CheckJobPayloadSchema, 'j', wrongGap)).message).toContain('completions.1.sample_index`: expected sample 1, got 2');
    const outside = { ...full, completions: full.completions.slice(0, 3), failed_samples: [{ sample_index: 9, error }] };
    expect(failureOf(() => parseJobPayload(CheckJobPayloadSchema, 'j', outside)).message).toContain('failed_samples.0.sample_index`: expected a sample index in 0..3, got 9');
    const twice = { ...full, completions: full.completions.slice(0, 2), failed_samples: [{ sample_index: 3, error }, { sample_index: 3, error }] };
    expect(failureOf(() => parseJobPayload(CheckJobPayloadSchema, 'j', twice)).message).toContain('expected each failed sample once');
    const unknownCode = { ...gap, failed_samples: [{ sample_index: 1, error: { ...error, code: 'NOPE' } }] };
    expect(CheckJobPayloadSchema.safeParse(unknownCode).success).toBe(false);
  });
});

describe('deterministic names', () => {
  test('job ids and part keys depend only on run, problem and range', () => {
    expect(clusterJobId('nightly-20261201-abc', 12, { from: 0, to: 4 })).toBe('nightly-20261201-abc/p00000012/s0-4');
    expect(clusterJobId('r', 12, { from: 0, to: 4 })).not.toContain(':'); // BullMQ refuses ':' in custom ids
    expect(candidatePartKey('nightly-20261201-abc', 12, { from: 4, to: 8 })).toBe('work/nightly-20261201-abc/candidates/p00000012-s0004-0008.json.gz');
    expect(deadLetterKey('nightly-20261201-abc', 12, { from: 0, to: 4 }, 'sample')).toBe('work/nightly-20261201-abc/dead/p00000012-s0000-0004.sample.json');
    expect(() => clusterJobId('../etc', 1, { from: 0, to: 1 })).toThrow();
    expect(() => candidatePartKey('a/b', 1, { from: 0, to: 1 })).toThrow();
  });

  test('part keys sort in problem order, then sample order', () => {
    const keys = [[100, 0], [9, 4], [9, 0], [10, 0]].map(([seq, from]) => candidatePartKey('r', seq!, { from: from!, to: from! + 4 }));
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[3], keys[0]]);
  });
});

describe('candidate parts', () => {
  test('round-trip through the sink encoding', () => {
    const part = candidatePart(0, 3);
    const key = candidatePartKey(part.run_id, part.problem_seq, part.samples);
    expect(decodeCandidatePart(key, encodeCandidatePart(part))).toEqual(part);
  });

  test('a part under another key, unreadable bytes, or a wrong shape is INPUT_INVALID naming the key', () => {
    const part = candidatePart(0, 2);
    const misplaced = failureOf(() => decodeCandidatePart('work/nightly-20261201-abc/candidates/p00000013-s0000-0002.json.gz', encodeCandidatePart(part)));
    expect(misplaced.message).toContain('which belong at work/nightly-20261201-abc/candidates/p00000012-s0000-0002.json.gz');
    const key = candidatePartKey(part.run_id, part.problem_seq, part.samples);
    expect(isProoflineError(failureOf(() => decodeCandidatePart(key, new TextEncoder().encode('not gzip'))), 'INPUT_INVALID')).toBe(true);
    const swapped = { ...part, candidates: [...part.candidates].reverse() };
    expect(failureOf(() => decodeCandidatePart(key, gzipSync(JSON.stringify(swapped)))).message).toContain('candidates.1.sample_index`: expected a sample index above 1 and below 2');
    const outside = candidatePart(0, 3);
    const outsideKey = candidatePartKey(part.run_id, part.problem_seq, { from: 0, to: 2 });
    expect(failureOf(() => decodeCandidatePart(outsideKey, gzipSync(JSON.stringify({ ...outside, samples: { from: 0, to: 2 } })))).message).toContain('below 2');
    const foreign = candidatePart(0, 1);
    foreign.candidates[0]!.completion = { ...foreign.candidates[0]!.completion, problem_id: 'other' };
    expect(failureOf(() => decodeCandidatePart(candidatePartKey(part.run_id, part.problem_seq, { from: 0, to: 1 }), gzipSync(JSON.stringify(foreign)))).message).toContain('expected the completion of mathd_algebra_10#0, got other#0');
  });

  test('a part may lack candidates whose sampling failed for good: they are missing, not invented', () => {
    const part = candidatePart(0, 4);
    const withHole = { ...part, candidates: [part.candidates[0]!, part.candidates[2]!, part.candidates[3]!] };
    const key = candidatePartKey(part.run_id, part.problem_seq, part.samples);
    expect(decodeCandidatePart(key, encodeCandidatePart(withHole)).candidates.map((c) => c.sample_index)).toEqual([0, 2, 3]);
  });

  test('an error outcome needs a known error code', () => {
    const part = candidatePart(0, 2);
    const bad = JSON.parse(JSON.stringify(part)) as { candidates: { outcome: { error: { code: string } } }[] };
    bad.candidates[1]!.outcome.error.code = 'MADE_UP';
    const key = candidatePartKey(part.run_id, part.problem_seq, part.samples);
    expect(failureOf(() => decodeCandidatePart(key, gzipSync(JSON.stringify(bad)))).message).toContain('candidates.1.outcome');
  });
});
