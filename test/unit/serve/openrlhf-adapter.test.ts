import { describe, expect, it } from 'vitest';
import { adapterApp, createFakeRewardService } from './adapter-test-service.ts';

const HEADER = 'import Mathlib\nopen Real';
const STATEMENT = 'theorem t1 (x : ℕ) : x + 0 = x := by sorry';
const PROMPT = '<|im_start|>user\nProve:\n```lean4\ntheorem t1 (x : ℕ) : x + 0 = x := by\n```<|im_end|>\n<|im_start|>assistant\n';
const RESPONSE = 'Easy.\n```lean4\ntheorem t1 (x : ℕ) : x + 0 = x := by\n  simp\n```<|im_end|>';

async function post(body: unknown, url = '/get_reward', headers: Record<string, string> = {}) {
  const service = createFakeRewardService();
  const app = await adapterApp(service);
  const response = await app.inject({ method: 'POST', url, payload: body as object, headers });
  return { service, response, json: response.json() as Record<string, unknown> };
}

describe('OpenRLHF POST /get_reward', () => {
  it('reads every label form, strips the prompt from the query and answers one scalar per item in every list', async () => {
    const labels = [
      JSON.stringify({ problem_id: 'nm-1' }),
      JSON.stringify({ header: HEADER, formal_statement: STATEMENT }),
      'nm-2',
      `${HEADER}\n\ntheorem t1 (x : ℕ) : x + 0 = x := by`,
    ];
    const { service, response, json } = await post({ query: labels.map(() => PROMPT + RESPONSE), prompts: labels.map(() => PROMPT), labels });
    expect(response.statusCode).toBe(200);
    const items = service.items;
    expect(items.map((i) => [i.problem_id, i.header, i.formal_statement])).toEqual([
      ['nm-1', undefined, undefined],
      [undefined, HEADER, STATEMENT],
      ['nm-2', undefined, undefined],
      [undefined, HEADER, STATEMENT],
    ]);
    expect(items.every((i) => i.completion === RESPONSE)).toBe(true);
    expect(json).toEqual({
      rewards: [1, 1, 1, 1],
      scores: [1, 1, 1, 1],
      extra_logs: { verified: [1, 1, 1, 1], lean_time_s: [1.5, 1.5, 1.5, 1.5], timeout: [0, 0, 0, 0], cached: [0, 0, 0, 0], format_ok: [1, 1, 1, 1] },
    });
  });

  it('falls back to the last lean4 block when the query does not start with the prompt', async () => {
    const query = `re-tokenized prompt\n\`\`\`lean4\n${STATEMENT}\n\`\`\`\nassistant: \`\`\`lean4\ntheorem t1 (x : ℕ) : x + 0 = x := by\n  omega\n\`\`\``;
    const { service, json } = await post({ query: [query], prompts: ['a different prompt'], labels: ['nm-1'] });
    expect(service.items[0]?.completion).toBe('```lean4\ntheorem t1 (x : ℕ) : x + 0 = x := by\n  omega\n```');
    expect(json['rewards']).toEqual([0]);
  });

  it('answers 503 with Retry-After, not reward 0, when any item has no verdict', async () => {
    const { response, json } = await post({ query: [PROMPT + RESPONSE, `${PROMPT}INFRA`], prompts: [PROMPT, PROMPT], labels: ['nm-1', 'nm-1'] });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(json['code']).toBe('NO_VERDICT');
    expect(String(json['message'])).toContain('1 of 2 have none (1 infrastructure_error; codes LEAN_CRASHED)');
  });

  it('gives a rejected proof reward 0 with HTTP 200 (a verdict, not an outage)', async () => {
    const { response, json } = await post({ query: [`${PROMPT}\`\`\`lean4\nsorry\n\`\`\``, `${PROMPT}TIMEOUT`], prompts: [PROMPT, PROMPT], labels: ['nm-1', 'nm-1'] });
    expect(response.statusCode).toBe(200);
    expect(json['rewards']).toEqual([0, 0]);
    expect((json['extra_logs'] as Record<string, unknown>)['timeout']).toEqual([0, 1]);
  });

  it.each([
    [{ query: ['a'], prompts: [], labels: ['x'] }, 'prompts'],
    [{ query: ['a', 'b'], prompts: ['', ''], labels: ['x'] }, 'labels'],
    [{ query: ['a', 'b'], prompts: ['', ''], labels: ['x', null] }, 'labels[1]'],
    [{ query: ['a'], prompts: [''], labels: ['{"header": "import Mathlib"}'] }, 'labels[0]'],
    [{ query: ['a'], prompts: [''], labels: ['{not json'] }, 'labels[0]'],
    [{ query: ['a'], prompts: [''], labels: ['two words'] }, 'labels[0]'],
    [{ query: [1], prompts: [''], labels: ['x'] }, 'query[0]'],
    [{ prompts: [], labels: [] }, 'query'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const { response, json } = await post(body);
    expect(response.statusCode).toBe(400);
    expect(json['code']).toBe('INPUT_INVALID');
    expect(String(json['message'])).toMatch(new RegExp(`^${field.replace(/[[\]]/gu, '\\$&')}: `, 'u'));
  });

  it('answers 400 naming the label when the registry does not hold its problem id (retrying cannot help)', async () => {
    const { response, json } = await post({ query: ['x', 'y'], prompts: ['', ''], labels: ['nm-1', 'unknown-7'] });
    expect(response.statusCode).toBe(400);
    expect(String(json['message'])).toMatch(/^labels\[1\]: /u);
  });

  it('takes the client id, the deadline and the format gate from headers and the URL', async () => {
    const before = Date.now();
    const { service } = await post({ query: ['x'], prompts: [''], labels: ['nm-1'] }, '/get_reward?require_format=true', { 'x-client-id': 'trainer-a', 'x-proofline-timeout-s': '30' });
    const options = service.calls[0]?.options;
    expect(options?.clientId).toBe('id:trainer-a');
    expect(options?.requireFormat).toBe(true);
    expect(options?.deadlineAtMs).toBeGreaterThanOrEqual(before + 30_000);
    expect(options?.deadlineAtMs).toBeLessThan(Date.now() + 31_000);
    const fallback = await post({ query: ['x'], prompts: [''], labels: ['nm-1'] });
    expect(fallback.service.calls[0]?.options.clientId).toBe('ip:127.0.0.1');
    expect(fallback.service.calls[0]?.options.requireFormat).toBeUndefined();
    expect(fallback.service.calls[0]?.options.deadlineAtMs).toBeGreaterThan(Date.now() + 140_000);
  });

  it.each([['x-proofline-timeout-s', '-1'], ['x-proofline-timeout-s', 'soon'], ['x-client-id', 'x'.repeat(129)]])('answers 400 naming the %s header for %j', async (header, value) => {
    const { response, json } = await post({ query: ['x'], prompts: [''], labels: ['nm-1'] }, '/get_reward', { [header]: value });
    expect(response.statusCode).toBe(400);
    expect(String(json['message'])).toMatch(new RegExp(`^${header}: `, 'u'));
  });

  it('answers an empty batch with empty lists without calling the service', async () => {
    const { service, json } = await post({ query: [], prompts: [], labels: [] });
    expect(service.calls).toHaveLength(0);
    expect(json['rewards']).toEqual([]);
  });
});
