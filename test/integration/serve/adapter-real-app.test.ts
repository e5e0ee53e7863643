import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every trainer adapter inside the real app (workers/reward-app.ts: auth hook, error edge) over
 * the real RewardService and the recorded-Lean double, with golden cases: an honest proof gets 1,
 * cheats get 0, in each trainer's own wire shape; the Python clients against it on loopback.
 * Skipped (with the reason printed) while the core app does not exist.
 */
const APP = fileURLToPath(new URL('../../../workers/reward-app.ts', import.meta.url));
const CLIENTS = fileURLToPath(new URL('../../../clients/python/', import.meta.url));
const hasApp = existsSync(APP);
if (!hasApp) console.warn(`adapter-real-app.test.ts skipped: ${APP} does not exist yet`);

type Kit = Awaited<ReturnType<typeof import('./serve-kit.ts').openServeKit>>;
type Case = { input: { id: string; header: string; formal_statement: string; completion: string }; expected: { reason: string | null } };

describe.skipIf(!hasApp)('trainer adapters in the real reward app (recorded-Lean double)', () => {
  let kit: Kit;
  let honest: Case;
  let cheat: Case;
  beforeAll(async () => {
    const { openServeKit, strictCases } = await import('./serve-kit.ts');
    const cases = strictCases();
    honest = cases.get('honest/omega_linear_congruence.json') as Case;
    cheat = cases.get('exploits/e15_extra_hypothesis.json') as Case;
    kit = await openServeKit({ tokens: [{ client: 'trainer', token: 'tok-123456789012' }] });
  }, 60_000);
  afterAll(async () => kit?.close());

  const post = (url: string, payload: unknown) => kit.app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: 'Bearer tok-123456789012' } });

  it('OpenRLHF: honest 1, cheat 0, in one request with labels by problem id and by statement', async () => {
    const response = await post('/get_reward', {
      query: [`P${honest.input.completion}`, `P${cheat.input.completion}`],
      prompts: ['P', 'P'],
      labels: [honest.input.id, JSON.stringify({ header: cheat.input.header, formal_statement: cheat.input.formal_statement })],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ rewards: [1, 0], scores: [1, 0], extra_logs: { verified: [1, 0] } });
  });

  it('refuses a request without the bearer token (the app hook guards the adapters too)', async () => {
    const response = await kit.app.inject({ method: 'POST', url: '/get_reward', payload: { query: [], prompts: [], labels: [] } });
    expect(response.statusCode).toBe(401);
  });

  it('maps an adapter 400 through the app error edge with the field named', async () => {
    const response = await post('/get_reward', { query: ['x'], prompts: [''], labels: [null] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'INPUT_INVALID', field: 'labels[0]' } });
  });

  it('verl, TRL and Bedrock RFT give the same verdicts in their shapes', async () => {
    const verl = await post('/v1/verl/compute_score_batch', { solution_strs: [honest.input.completion, cheat.input.completion], ground_truths: [honest.input.id, JSON.stringify({ header: cheat.input.header, formal_statement: cheat.input.formal_statement })] });
    expect((verl.json() as { score: number; status: string }[]).map((r) => [r.score, r.status])).toEqual([[1, 'valid'], [0, cheat.expected.reason]]);
    const trl = await post('/v1/trl/rewards', { completions: [honest.input.completion, cheat.input.completion], columns: { problem_id: [honest.input.id, cheat.input.id] } });
    expect(trl.json()).toMatchObject({ rewards: [1, 0] });
    const bedrock = await post('/v1/bedrock-rft/grade', { batch: [honest, cheat].map((c, i) => ({ id: `s${i}`, messages: [{ role: 'assistant', content: c.input.completion }], metadata: { reference_answer: { problem_id: c.input.id } } })) });
    expect((bedrock.json() as { aggregate_reward_score: number }[]).map((r) => r.aggregate_reward_score)).toEqual([1, 0]);
  });

  it('Kimina facade: a snippet with a problem_id is checked against the trusted statement', async () => {
    const response = await post('/api/check', { snippets: [honest, cheat].map((c, i) => ({ id: `k${i}`, code: c.input.completion, problem_id: c.input.id })), timeout: 60 });
    const results = (response.json() as { results: { proofline: { status: string } }[] }).results;
    expect(results.map((r) => r.proofline.status)).toEqual(['valid', cheat.expected.reason]);
  });

  it('the Python verl client scores the honest proof 1.0 through the live app', async () => {
    const url = await kit.app.listen({ host: '127.0.0.1', port: 0 });
    const { stdout } = await execa('python3', ['-c', `import json\nfrom lean_reward_verl import compute_score\nprint(json.dumps(compute_score("d", ${JSON.stringify(honest.input.completion)}, ${JSON.stringify(honest.input.id)})))`], {
      cwd: CLIENTS,
      env: { PYTHONPATH: CLIENTS, PROOFLINE_REWARD_URL: url, PROOFLINE_REWARD_TOKEN: 'tok-123456789012', PROOFLINE_REWARD_TIMEOUT_S: '60' },
    });
    expect(JSON.parse(stdout)).toMatchObject({ score: 1, has_verdict: true, status: 'valid' });
  }, 90_000);
});
