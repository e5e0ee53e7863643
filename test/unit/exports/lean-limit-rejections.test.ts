import { describe, expect, it } from 'vitest';
import { pairCandidates } from '../../../pipeline/exports/preference-pairs.ts';
import { isResourceRejection, selectFailed } from '../../../pipeline/exports/select-candidates.ts';
import type { CanonicalRecord } from '../../../pipeline/schemas/canonical-record.ts';
import { makeRecord } from './canonical-fixtures.ts';

const options = { enabled: true, max_per_problem: null, dedup_identical_proofs: false };

/** A `lean_error` rejection as the checker writes it: the detail names the first error, which is also in messages. */
function leanError(index: number, data: string, layer: 'L2' | 'L3' = 'L2', detail?: string): CanonicalRecord {
  const record = makeRecord({ index, outcome: { rejected: 'lean_error' } });
  const message = { severity: 'error' as const, line: 3, column: 2, end_line: null, end_column: null, data };
  return {
    ...record,
    verdict: { ...record.verdict!, layer, detail: detail ?? `Lean error at line 3, column 2: ${data.split('\n', 1)[0]}`, messages: layer === 'L2' ? [message] : [] },
  };
}

const HEARTBEATS = '(deterministic) timeout at `whnf`, maximum number of heartbeats (200000) has been reached\nUse `set_option maxHeartbeats <num>` to set the limit.';
const RECURSION = 'maximum recursion depth has been reached\nuse `set_option maxRecDepth <num>` to increase limit';

describe('Lean budget limits reported as lean_error are never the rejected side of a pair', () => {
  const limits = [
    leanError(0, HEARTBEATS),
    leanError(1, RECURSION),
    leanError(2, 'x', 'L3', 'The fresh compile printed more output than the checker keeps (an error cascade)'),
    leanError(3, 'x', 'L3', `Fresh compilation failed at line 4: ${HEARTBEATS.split('\n', 1)[0]}`),
    // The output cap's marked message at L2, after a first error that is the cascade's start.
    { ...leanError(4, 'unknown identifier'), verdict: { ...leanError(4, 'unknown identifier').verdict!, messages: [
      { severity: 'error' as const, line: 3, column: 2, end_line: null, end_column: null, data: 'unsolved goals' },
      { severity: 'error' as const, line: 0, column: 0, end_line: null, end_column: null, data: 'proofline: Lean printed more output than the checker keeps (an error cascade)' },
    ] } },
  ];

  it('reads heartbeats, recursion depth and the output cap as resource rejections', () => {
    for (const record of limits) expect(isResourceRejection(record.verdict!), record.verdict!.detail).toBe(true);
    expect(selectFailed(limits, options)).toEqual([]);
  });

  it('still takes a real Lean error, and a heartbeat-like text in an info message does not count', () => {
    const real = leanError(5, "type mismatch\n  h\nhas type\n  n = 2 : Prop");
    const infoMention = { ...real, sample_index: 6, verdict: { ...real.verdict!, messages: [...real.verdict!.messages, { severity: 'info' as const, line: 1, column: 0, end_line: null, end_column: null, data: HEARTBEATS }] } };
    expect(isResourceRejection(real.verdict!)).toBe(false);
    expect(isResourceRejection(infoMention.verdict!)).toBe(false);
    expect(selectFailed([real, infoMention], options).map((r) => r.sample_index)).toEqual([5, 6]);
  });

  it('pairs an accepted proof only with a rejection about the proof itself', () => {
    const accepted = makeRecord({ index: 7, outcome: { accepted: true } });
    expect(pairCandidates([...limits, accepted], options)).toEqual([]);
    const wrong = leanError(8, 'unsolved goals');
    expect(pairCandidates([...limits, accepted, wrong], options).map((p) => [p.chosen.sample_index, p.rejected.sample_index])).toEqual([[7, 8]]);
  });
});
