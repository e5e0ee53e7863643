import { describe, expect, it } from 'vitest';
import { createStatementIndex } from '../../../pipeline/serve/adapters/index.ts';
import { adapterApp, createFakeRewardService } from './adapter-test-service.ts';

/** kimina-client's `ReplResponse.analyze()` (client/kimina_client/models.py), restated to read our answers as Kimina clients do. */
function analyze(result: { error?: string; response?: { message?: string; messages?: { severity: string }[]; sorries?: unknown[] } }): string {
  if (result.error !== undefined && result.error !== null) return result.error.includes('timed out') ? 'timeout_error' : 'server_error';
  const r = result.response;
  if (r === undefined) throw new Error('neither error nor response');
  if ('message' in r) return 'repl_error';
  if ((r.messages ?? []).some((m) => m.severity === 'error')) return 'lean_error';
  return (r.sorries ?? []).length > 0 ? 'sorry' : 'valid';
}

const HEADER = 'import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\nopen BigOperators Real Nat Topology Rat';
const STATEMENT = 'theorem amc_1 (a : ℝ) (h : 2 * a = 4) :\n    a = 2 := by';
/** What kimina-prover-rl sends: the dataset's formal_statement (with its header) + the model's text after `:= by`. */
const snippet = (proof: string, statement = STATEMENT) => `${HEADER}\n\n${statement}\n  ${proof}`;
const REGISTRY = [
  { id: 'amc-1', header: HEADER, formal_statement: 'theorem amc_1 (a : ℝ) (h : 2 * a = 4) : a = 2 := by sorry' },
  { id: 'other', header: HEADER, formal_statement: 'theorem other : 1 = 1 := by sorry' },
];

async function post(url: string, body: unknown, extra: Parameters<typeof adapterApp>[1] = {}) {
  const service = createFakeRewardService();
  const app = await adapterApp(service, extra);
  const response = await app.inject({ method: 'POST', url, payload: body as object });
  return { service, response, json: response.json() as { results: Record<string, unknown>[] } & Record<string, unknown> };
}

describe('Kimina facade POST /api/check', () => {
  it('reads as valid / sorry / lean_error / timeout_error to a Kimina client, per proofline status', async () => {
    const proofs = ['linarith', 'sorry', 'exact foo', 'TIMEOUT', 'native_decide', 'norm_num at h ⊢; linarith'];
    const { response, json } = await post('/api/check', { snippets: proofs.map((p, i) => ({ id: `s${i}`, code: snippet(p) })), timeout: 60, debug: false, reuse: true, infotree: null });
    expect(response.statusCode).toBe(200);
    expect(json.results.map((r) => r['id'])).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    expect(json.results.map((r) => analyze(r))).toEqual(['lean_error', 'sorry', 'lean_error', 'timeout_error', 'lean_error', 'valid']);
    expect(json.results.map((r) => (r['proofline'] as Record<string, unknown>)['status'])).toEqual(['lean_error', 'sorry', 'lean_error', 'timeout', 'forbidden_axiom', 'valid']);
    // Each result has either response or error, never both (kimina's require_error_or_response).
    expect(json.results.every((r) => ('error' in r) !== ('response' in r))).toBe(true);
    const axiomMessages = (json.results[4]?.['response'] as { messages: { data: string; pos: unknown }[] }).messages;
    expect(axiomMessages.map((m) => m.data)).toEqual(['proofline: forbidden_axiom at L2']);
    const leanError = (json.results[2]?.['response'] as { messages: unknown[] }).messages;
    expect(leanError).toEqual([{ severity: 'error', pos: { line: 5, column: 2 }, endPos: { line: 5, column: 9 }, data: 'unknown identifier' }]);
  });

  it('without a registry checks the snippet against its own header and first theorem, and says so (no tamper protection)', async () => {
    const { service, json } = await post('/api/check', { snippets: [{ id: 'a', code: snippet('norm_num') }] });
    expect(service.items).toEqual([{ id: '0', header: HEADER, formal_statement: 'theorem amc_1 (a : ℝ) (h : 2 * a = 4) :\n    a = 2 := by sorry', completion: snippet('norm_num') }]);
    expect(json.results[0]?.['proofline']).toMatchObject({ statement_source: 'snippet', problem_id: null });
  });

  it('with a registry checks a snippet whose theorem text is registered against the TRUSTED problem (layout aside)', async () => {
    const { service, json } = await post('/api/check', { snippets: [{ id: 'a', code: snippet('norm_num') }] }, { statementIndex: createStatementIndex(REGISTRY) });
    expect(service.items).toEqual([{ id: '0', problem_id: 'amc-1', completion: snippet('norm_num') }]);
    expect(json.results[0]?.['proofline']).toMatchObject({ statement_source: 'registry', problem_id: 'amc-1' });
  });

  it('rejects a tampered statement without checking it when only registered statements are allowed', async () => {
    const tampered = snippet('norm_num', 'theorem amc_1 (a : ℝ) (h : 2 * a = 4) :\n    a = 2 ∨ True := by');
    const { service, json } = await post('/api/check', { snippets: [{ id: 'a', code: tampered }, { id: 'b', code: snippet('norm_num') }] }, { statementIndex: createStatementIndex(REGISTRY), kiminaRequireRegisteredStatement: true });
    expect(service.items.map((i) => i.problem_id)).toEqual(['amc-1']);
    expect(json.results.map((r) => analyze(r))).toEqual(['lean_error', 'valid']);
    expect(json.results[0]?.['proofline']).toMatchObject({ statement_source: 'unregistered', status: 'statement_mismatch' });
  });

  it('uses a snippet problem_id (proofline extension) before anything else', async () => {
    const { service } = await post('/api/check', { snippets: [{ id: 'a', code: snippet('norm_num'), problem_id: 'other' }] }, { statementIndex: createStatementIndex(REGISTRY) });
    expect(service.items[0]?.problem_id).toBe('other');
  });

  it('answers a snippet with no theorem (`#check Nat`) as a lean_error without checking it', async () => {
    const { service, json } = await post('/api/check', { snippets: [{ id: 'a', code: 'import Mathlib\n#check Nat' }] });
    expect(service.calls).toHaveLength(0);
    expect(analyze(json.results[0] as never)).toBe('lean_error');
  });

  it('answers 503 (kimina-client retries), never a per-snippet server_error, when a snippet has no verdict', async () => {
    const { response, json } = await post('/api/check', { snippets: [{ id: 'a', code: snippet('norm_num') }, { id: 'b', code: snippet('INFRA') }] });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(json['code']).toBe('NO_VERDICT');
  });

  it.each([
    [{ snippets: [] }, 'snippets'],
    [{ snippets: [{ id: 'a', code: 'x' }, { id: 'a', code: 'y' }] }, 'snippets[1].id'],
    [{ snippets: [{ id: 'a' }] }, 'snippets[0].code'],
    [{ snippets: [{ id: 'a', code: 'x', problem_id: 'unknown-1' }] }, 'snippets[0].problem_id'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const { response, json } = await post('/api/check', body);
    expect(response.statusCode).toBe(400);
    expect(String(json['message']).startsWith(`${field}: `)).toBe(true);
  });
});

describe('Kimina facade POST /verify and /one_pass_verify_batch, GET /health', () => {
  it.each(['/verify', '/one_pass_verify_batch'])('%s answers {custom_id, response with time} or {custom_id, error}', async (url) => {
    const { json } = await post(url, { codes: [{ custom_id: 1, proof: snippet('norm_num') }, { custom_id: 'b', code: snippet('TIMEOUT') }], timeout: 300, infotree_type: null, disable_cache: false });
    expect(json.results[0]).toMatchObject({ custom_id: '1', response: { env: 0, messages: [], time: 1.5 } });
    expect(json.results[0]).not.toHaveProperty('error');
    expect(json.results[1]).toMatchObject({ custom_id: 'b', error: expect.stringContaining('timed out') });
    expect(json.results[1]).not.toHaveProperty('response');
  });

  it('answers 400 naming the code without proof or code', async () => {
    const { response, json } = await post('/verify', { codes: [{ custom_id: 7 }] });
    expect(response.statusCode).toBe(400);
    expect(String(json['message']).startsWith('codes[0].proof: ')).toBe(true);
  });

  it('GET /health answers {"status": "ok"}', async () => {
    const app = await adapterApp(createFakeRewardService());
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.json()).toEqual({ status: 'ok' });
  });
});
