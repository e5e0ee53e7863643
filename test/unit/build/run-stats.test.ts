import { describe, expect, it } from 'vitest';
import { RunStats } from '../../../pipeline/build/run-stats.ts';
import { makeRecord } from '../exports/canonical-fixtures.ts';

const records = [
  makeRecord({ problem: 'a', index: 0, outcome: { accepted: true } }),
  makeRecord({ problem: 'a', index: 1, outcome: { rejected: 'lean_error' } }),
  makeRecord({ problem: 'a', index: 2, outcome: { error: 'LEAN_CRASHED' } }),
  makeRecord({ problem: 'a', index: 3, outcome: { rejected: 'lean_error' }, cached: true }),
  makeRecord({ problem: 'b', index: 0, outcome: { rejected: 'sorry' }, split: 'validation' }),
  makeRecord({ problem: 'b', index: 1, outcome: { rejected: 'banned_construct' }, split: 'validation' }),
  makeRecord({ problem: 'c', index: 0, outcome: { error: 'CHECKER_INTERNAL' }, heldOut: { reason: 'eval_split', detail: 'minif2f test' } }),
  makeRecord({ problem: 'c', index: 1, outcome: { error: 'LEAN_CRASHED' }, heldOut: { reason: 'eval_split', detail: 'minif2f test' } }),
];
const statsOf = (list: typeof records): RunStats => {
  const stats = new RunStats();
  for (const r of list) stats.recordCandidate(r);
  return stats;
};

describe('RunStats', () => {
  it('counts kinds, reasons by layer and errors by code; errors are never rejections', () => {
    const { counters } = statsOf(records);
    expect(counters.by_kind).toEqual({ accepted: 1, rejected: 4, error: 3 });
    expect(counters.rejected_by_reason).toEqual({ lean_error: 2, sorry: 1, banned_construct: 1 });
    expect(counters.by_layer).toEqual({ L3: { accepted: 1 }, L2: { lean_error: 2, sorry: 1, banned_construct: 1 } });
    expect(counters.errors_by_code).toEqual({ LEAN_CRASHED: 2, CHECKER_INTERNAL: 1 });
    expect(counters.tokens).toMatchObject({ input: 800, paid_input: 700 });
  });

  it('summarises pass@k without errored candidates, held-out problems by reason and problems with only errors', () => {
    const json = statsOf(records).toJSON({ price: { input_per_million_usd: 1, output_per_million_usd: 2 } });
    // a: n=3 (one error left out), c=1 → pass@1 = 1/3; b: n=2, c=0; c: n=0 → not in the mean.
    expect(json.summary.pass_at_k).toEqual([
      { k: 1, mean: expect.closeTo((1 / 3 + 0) / 2, 12), problems: 2, problems_below_k: 1 },
      { k: 4, mean: null, problems: 0, problems_below_k: 3 },
    ]);
    expect(json.summary.held_out).toEqual({ problems: 1, by_reason: { eval_split: 1 } });
    expect(json.summary.problems_with_only_errors).toEqual(['c']);
    expect(json.summary.problems_by_split).toEqual({ train: 2, validation: 1 });
    expect(json.per_problem.a).toMatchObject({ n: 3, c: 1, errors: 1 });
    expect(json.summary.estimated_cost_usd).toBeCloseTo((700 * 1 + 2 * (50 + 51 + 52 + 50 + 51 + 50 + 51)) / 1e6, 9);
  });

  it('merges: the stats of two shards equal the stats of their union, also through JSON', () => {
    const left = statsOf(records.filter((_, i) => i % 2 === 0));
    const right = statsOf(records.filter((_, i) => i % 2 === 1));
    right.recordExportRows('sft-hf', 'train', 3);
    const whole = statsOf(records);
    whole.recordExportRows('sft-hf', 'train', 3);
    const viaJson = RunStats.fromJSON(JSON.parse(JSON.stringify(left.toJSON())));
    expect(viaJson.merge(RunStats.fromJSON(JSON.parse(JSON.stringify(right.toJSON())))).toJSON()).toEqual(whole.toJSON());
    expect(left.merge(right).toJSON()).toEqual(whole.toJSON());
  });
});
