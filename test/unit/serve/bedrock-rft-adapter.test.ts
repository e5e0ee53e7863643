import { describe, expect, it } from 'vitest';
import { adapterApp, createFakeRewardService } from './adapter-test-service.ts';

const GOOD = '```lean4\ntheorem t1 : 1 + 1 = 2 := by\n  norm_num\n```';
const samples = [
  { id: 'a', messages: [{ role: 'user', content: 'prove' }, { role: 'assistant', content: GOOD }], metadata: { reference_answer: { problem_id: 'nm-1' }, my_key: 'x' } },
  { id: 7, messages: [{ role: 'assistant', content: [{ type: 'text', text: '```lean4\nsorry\n```' }] }], reference_answer: { header: 'import Mathlib', formal_statement: 'theorem t1 : 1 + 1 = 2 := by sorry' } },
];
const expected = [
  { id: 'a', aggregate_reward_score: 1, metrics_list: [{ name: 'lean_verified', value: 1, type: 'Reward' }, { name: 'lean_time_s', value: 1.5, type: 'Metric' }, { name: 'cached', value: 0, type: 'Metric' }] },
  { id: 7, aggregate_reward_score: 0, metrics_list: [{ name: 'lean_verified', value: 0, type: 'Reward' }, { name: 'lean_time_s', value: 1.5, type: 'Metric' }, { name: 'cached', value: 0, type: 'Metric' }] },
];

async function post(body: unknown) {
  const service = createFakeRewardService();
  const app = await adapterApp(service);
  const response = await app.inject({ method: 'POST', url: '/v1/bedrock-rft/grade', payload: body as object });
  return { service, response, json: response.json() as unknown };
}

describe('Bedrock RFT POST /v1/bedrock-rft/grade', () => {
  it.each([
    ['a bare list', samples],
    ['{"batch": [...]}', { batch: samples }],
    ['an API Gateway event', { body: JSON.stringify(samples), headers: {}, isBase64Encoded: false }],
    ['an API Gateway event around a batch', { body: JSON.stringify({ batch: samples }) }],
  ])('answers the Lambda output list for %s', async (_name, body) => {
    const { service, response, json } = await post(body);
    expect(response.statusCode).toBe(200);
    expect(json).toEqual(expected);
    expect(service.items.map((i) => [i.problem_id, i.header, i.formal_statement])).toEqual([
      ['nm-1', undefined, undefined],
      [undefined, 'import Mathlib', 'theorem t1 : 1 + 1 = 2 := by sorry'],
    ]);
    expect(service.items[1]?.completion).toBe('```lean4\nsorry\n```');
  });

  it('answers 503, never a 0 score, when a sample has no verdict', async () => {
    const infra = [{ id: 'z', messages: [{ role: 'assistant', content: 'INFRA' }], metadata: { reference_answer: 'nm-1' } }];
    const { response } = await post(infra);
    expect(response.statusCode).toBe(503);
  });

  it.each([
    [{ nothing: true }, 'body'],
    [{ body: '{oops' }, 'body'],
    [[{ id: 'a', messages: [{ role: 'user', content: 'x' }], metadata: { reference_answer: 'nm-1' } }], 'samples[0].messages'],
    [[{ id: 'a', messages: [{ role: 'assistant', content: 'x' }], metadata: {} }], 'samples[0].reference_answer'],
    [[{ messages: [] }], 'samples[0].id'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const { response, json } = await post(body);
    expect(response.statusCode).toBe(400);
    expect(String((json as Record<string, unknown>)['message']).startsWith(`${field}: `)).toBe(true);
  });
});
