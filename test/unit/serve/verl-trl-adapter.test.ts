import { describe, expect, it } from 'vitest';
import { adapterApp, createFakeRewardService } from './adapter-test-service.ts';

const NUMINA_STATEMENT = 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n/-- x plus zero -/\ntheorem t1 (x : ℕ) : x + 0 = x := by';
const TRUSTED = { header: 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat', formal_statement: '/-- x plus zero -/\ntheorem t1 (x : ℕ) : x + 0 = x := by sorry' };
const GOOD = '<think>x</think>\n```lean4\ntheorem t1 (x : ℕ) : x + 0 = x := by\n  simp\n```';
const VERL_KEYS = ['acc', 'cached', 'feedback', 'has_verdict', 'lean_time_s', 'reason', 'score', 'status'];

async function post(url: string, body: unknown) {
  const service = createFakeRewardService();
  const app = await adapterApp(service);
  const response = await app.inject({ method: 'POST', url, payload: body as object });
  return { service, response, json: response.json() as unknown };
}

describe('verl POST /v1/verl/compute_score(_batch)', () => {
  it('takes the trusted statement from extra_info (kimina-prover-rl rows) over a placeholder ground_truth', async () => {
    const { service, response, json } = await post('/v1/verl/compute_score', {
      data_source: 'AI-MO/Kimina-Prover-Promptset',
      solution_str: GOOD,
      ground_truth: 'Should be solved in Lean 4.',
      extra_info: { formal_statement: NUMINA_STATEMENT, index: 'stmt-1', prompt: [{ role: 'user', content: 'p' }] },
    });
    expect(response.statusCode).toBe(200);
    expect(service.items).toEqual([{ id: '0', ...TRUSTED, completion: GOOD }]);
    expect(json).toEqual({ score: 1, acc: 1, has_verdict: true, status: 'valid', reason: null, lean_time_s: 1.5, cached: false, feedback: '' });
  });

  it('reads ground_truth as a label when extra_info names no statement', async () => {
    const { service } = await post('/v1/verl/compute_score', { data_source: 'd', solution_str: GOOD, ground_truth: '{"problem_id": "nm-9"}', extra_info: { index: 3 } });
    expect(service.items[0]?.problem_id).toBe('nm-9');
  });

  it('gives every item of a batch the same key set, with a null score and has_verdict false for an item without a verdict', async () => {
    const { response, json } = await post('/v1/verl/compute_score_batch', {
      data_sources: ['d', 'd', 'd'],
      solution_strs: [GOOD, 'INFRA', '```lean4\nsorry\n```'],
      ground_truths: ['nm-1', 'nm-1', 'nm-1'],
      extra_infos: [null, null, null],
    });
    expect(response.statusCode).toBe(200);
    const rows = json as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r).sort())).toEqual([VERL_KEYS, VERL_KEYS, VERL_KEYS]);
    expect(rows.map((r) => [r['score'], r['acc'], r['has_verdict'], r['status']])).toEqual([
      [1, 1, true, 'valid'],
      [null, null, false, 'infrastructure_error'],
      [0, 0, true, 'sorry'],
    ]);
  });

  it('answers 503 when no item of the request got a verdict', async () => {
    const { response } = await post('/v1/verl/compute_score', { solution_str: 'DEADLINE', ground_truth: 'nm-1' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
  });

  it('keeps an unknown problem a per-item status with a null score (the batch still scores the rest)', async () => {
    const { response, json } = await post('/v1/verl/compute_score_batch', { solution_strs: [GOOD, GOOD], ground_truths: ['unknown-1', 'nm-1'] });
    expect(response.statusCode).toBe(200);
    expect((json as Record<string, unknown>[]).map((r) => [r['status'], r['score']])).toEqual([['unknown_problem', null], ['valid', 1]]);
  });

  it.each([
    ['/v1/verl/compute_score_batch', { solution_strs: ['a', 'b'], extra_infos: [null] }, 'extra_infos'],
    ['/v1/verl/compute_score_batch', { solution_strs: ['a'], ground_truths: [null] }, 'ground_truths[0]'],
    ['/v1/verl/compute_score', { ground_truth: 'nm-1' }, 'solution_str'],
    ['/v1/verl/compute_score', { solution_str: 'a', extra_info: { formal_statement: 'no theorem here' } }, 'extra_info.formal_statement'],
  ])('%s answers 400 naming the field for %j', async (url, body, field) => {
    const { response, json } = await post(url, body);
    expect(response.statusCode).toBe(400);
    expect(String((json as Record<string, unknown>)['message']).startsWith(`${field}: `)).toBe(true);
  });
});

describe('TRL POST /v1/trl/rewards', () => {
  it('accepts string and conversational completions with aligned columns and answers null for an item without a verdict', async () => {
    const { service, response, json } = await post('/v1/trl/rewards', {
      prompts: ['p1', [{ role: 'user', content: 'p2' }], 'p3'],
      completions: [GOOD, [{ role: 'assistant', content: GOOD }], 'INFRA'],
      columns: { problem_id: [null, null, 'nm-3'], header: [TRUSTED.header, null, null], formal_statement: [TRUSTED.formal_statement, NUMINA_STATEMENT, null] },
    });
    expect(response.statusCode).toBe(200);
    expect(service.items).toEqual([
      { id: '0', ...TRUSTED, completion: GOOD },
      { id: '1', ...TRUSTED, completion: GOOD },
      { id: '2', problem_id: 'nm-3', completion: 'INFRA' },
    ]);
    expect(json).toEqual({ rewards: [1, 1, null], statuses: ['valid', 'valid', 'infrastructure_error'] });
  });

  it('answers 503 when nothing got a verdict', async () => {
    const { response } = await post('/v1/trl/rewards', { completions: ['INFRA', 'INFRA'], columns: { problem_id: ['a', 'b'] } });
    expect(response.statusCode).toBe(503);
  });

  it.each([
    [{ completions: ['a'], columns: {} }, 'columns'],
    [{ completions: ['a', 'b'], columns: { problem_id: ['x'] } }, 'columns.problem_id'],
    [{ completions: ['a'], columns: { problem_id: [null] } }, 'columns[0]'],
    [{ completions: [3], columns: { problem_id: ['x'] } }, 'completions[0]'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const { response, json } = await post('/v1/trl/rewards', body);
    expect(response.statusCode).toBe(400);
    expect(String((json as Record<string, unknown>)['message']).startsWith(`${field}: `)).toBe(true);
  });
});
