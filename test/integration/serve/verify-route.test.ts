import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemResult } from '../../../pipeline/serve/reward-contract.ts';
import { openServeKit, strictCases, type ServeKit } from './serve-kit.ts';

const cases = strictCases();
const byFile = (file: string) => {
  const c = cases.get(file);
  if (c === undefined) throw new Error(`golden case ${file} is missing`);
  return c;
};

describe('POST /v1/verify through the recorded-Lean double', () => {
  let kit: ServeKit;
  beforeAll(async () => {
    kit = await openServeKit({ serve: { limits: { max_items: 64, body_limit_bytes: 200_000 }, queue: { max_queued_per_client: 64, max_queued: 128 } } });
  }, 60_000);
  afterAll(async () => kit?.close());

  const verify = async (items: unknown[], headers: Record<string, string> = {}) => kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items }, headers });

  it('gives an honest proof (by problem_id) reward 1 with the verdict, the versions and no feedback', async () => {
    const honest = byFile('honest/omega_linear_congruence.json');
    const response = await verify([{ id: 'h', problem_id: honest.input.id, completion: honest.input.completion }]);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { results: ItemResult[]; verifier: Record<string, unknown> };
    expect(body.results[0]).toMatchObject({ id: 'h', status: 'valid', reward: 1, verified: true, reason: null, layer: 'L3', feedback: '', cached: false, error_code: null, components: { lean: 1, format: null } });
    expect(body.results[0]!.axioms).toEqual(expect.any(Array));
    expect(body.verifier).toMatchObject({ lean: '4.33.0', checker: expect.any(String), policy: { name: 'strict' } });
  });

  it('gives every cheat reward 0 with its reason and layer, and feedback for a self-correction turn', async () => {
    const cheats = ['exploits/e01_sorry_tactic.json', 'exploits/e06_decide_positional_native_config.json', 'exploits/e15_extra_hypothesis.json', 'exploits/e12_trace_fake_audit.json', 'exploits/e15_renamed_theorem.json'].map(byFile);
    // Inline trusted header + statement: the registry is not needed for these.
    const response = await verify(cheats.map((c, i) => ({ id: `c${i}`, header: c.input.header, formal_statement: c.input.formal_statement, completion: c.input.completion })));
    expect(response.statusCode).toBe(200);
    const results = (response.json() as { results: ItemResult[] }).results;
    expect(results.map((r) => [r.status, r.reward, r.verified, r.reason, r.layer])).toEqual(cheats.map((c) => [c.expected.reason, 0, false, c.expected.reason, c.expected.layer]));
    for (const r of results) expect(r.feedback).toMatch(/^The proof was rejected/u);
    const leanError = results[2]!;
    expect(leanError.feedback).toContain('Lean errors:\n- line ');
    expect(leanError.messages.some((m) => m.severity === 'error')).toBe(true);
  });

  it('checks duplicates within and across concurrent requests once (one Lean invocation, the others cached)', async () => {
    const honest = byFile('honest/term_mode_and_comm.json');
    const item = { problem_id: honest.input.id, completion: honest.input.completion };
    const before = kit.checker.stats.leanInvocations;
    const [a, b] = await Promise.all([
      verify(Array.from({ length: 8 }, (_, i) => ({ ...item, id: `a${i}` })), { 'x-client-id': 'A' }),
      verify(Array.from({ length: 8 }, (_, i) => ({ ...item, id: `b${i}` })), { 'x-client-id': 'B' }),
    ]);
    const results = [...(a.json() as { results: ItemResult[] }).results, ...(b.json() as { results: ItemResult[] }).results];
    expect(results.map((r) => r.status)).toEqual(Array(16).fill('valid'));
    expect(kit.checker.stats.leanInvocations - before).toBe(1);
    expect(results.filter((r) => !r.cached)).toHaveLength(1);
  });

  it('answers an unknown problem id per item with reward null (never 0), beside a checked item', async () => {
    const broken = byFile('broken/unsolved_goals.json');
    const response = await verify([
      { id: 'x', problem_id: '../../etc/passwd', completion: 'by simp' },
      { id: 'y', problem_id: broken.input.id, completion: broken.input.completion },
    ]);
    expect(response.statusCode).toBe(200);
    const [unknown, checked] = (response.json() as { results: ItemResult[] }).results;
    expect(unknown).toMatchObject({ status: 'unknown_problem', reward: null, verified: false });
    expect(checked).toMatchObject({ status: 'lean_error', reward: 0 });
  });

  it('uses `proof` as the proof body as given', async () => {
    const honest = byFile('honest/bare_tactic_body.json');
    const response = await verify([{ id: 'p', header: honest.input.header, formal_statement: honest.input.formal_statement, proof: honest.input.completion }]);
    expect((response.json() as { results: ItemResult[] }).results[0]).toMatchObject({ status: 'valid', reward: 1 });
  });

  it('applies the format gate only when asked, returning both components', async () => {
    const honest = byFile('honest/omega_linear_congruence.json');
    const noThink = { id: 'f', problem_id: honest.input.id, completion: honest.input.completion };
    const response = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [noThink], reward: { require_format: true } } });
    const result = (response.json() as { results: ItemResult[] }).results[0]!;
    expect(result).toMatchObject({ status: 'format_error', reward: 0, verified: true, components: { lean: 1, format: 0 } });
  });

  it('answers a malformed request with 400 naming the field', async () => {
    const missing = await verify([{ id: 'm', problem_id: 'p' }]);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'INPUT_INVALID', field: 'items.0.completion' } });
    const wrongType = await verify([{ id: 'm', problem_id: 'p', completion: 7 }]);
    expect(wrongType.json()).toMatchObject({ error: { field: 'items.0.completion' } });
    const both = await verify([{ id: 'm', problem_id: 'p', formal_statement: 'theorem t : True := by sorry', completion: 'x' }]);
    expect(both.json()).toMatchObject({ error: { field: 'items.0.problem_id' } });
    const badJson = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: '{"items": [', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    const badDeadline = await verify([{ id: 'd', problem_id: 'p', completion: 'x' }], { 'x-deadline-ms': 'soon' });
    expect(badDeadline.json()).toMatchObject({ error: { field: 'X-Deadline-Ms' } });
  });

  it('answers too many items and a too large body with 413 before checking anything', async () => {
    const before = kit.checker.stats.checks;
    const many = await verify(Array.from({ length: 65 }, (_, i) => ({ id: String(i), problem_id: 'p', completion: 'x' })));
    expect(many.statusCode).toBe(413);
    expect(many.json()).toMatchObject({ error: { code: 'TOO_MANY_ITEMS', field: 'items' } });
    const large = await verify([{ id: 'big', problem_id: 'p', completion: 'x'.repeat(250_000) }]);
    expect(large.statusCode).toBe(413);
    // The trainer adapters share the limit (review of issue #8): 65 OpenRLHF items are one 413, not 429 forever.
    const openrlhf = await kit.app.inject({ method: 'POST', url: '/get_reward', payload: { query: Array(65).fill('x'), prompts: Array(65).fill(''), labels: Array(65).fill('p') } });
    expect(openrlhf.statusCode).toBe(413);
    expect(openrlhf.json()).toMatchObject({ error: { code: 'TOO_MANY_ITEMS' } });
    expect(kit.checker.stats.checks).toBe(before);
  });

  it('serves /healthz, /v1/info and Prometheus /metrics with verdict, cache and queue figures', async () => {
    expect((await kit.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const info = (await kit.app.inject({ method: 'GET', url: '/v1/info' })).json();
    expect(info).toMatchObject({ limits: { max_items: 64 }, capacity: { concurrency: 4, max_queued: 128, waiting_items: 0, max_waiting_items: 131_072 }, deadline: { header: 'X-Deadline-Ms' } });
    const metrics = await kit.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/u);
    for (const line of ['proofline_verify_items_total{status="valid"}', 'proofline_verify_items_total{status="unknown_problem"} 1', 'proofline_http_requests_total{route="/v1/verify",status="413"} 2', 'proofline_cache_hits_total', 'proofline_queue_depth 0', 'proofline_waiting_items 0', 'proofline_pool_utilisation', 'proofline_http_request_duration_seconds_bucket']) {
      expect(metrics.body).toContain(line);
    }
  });
});
