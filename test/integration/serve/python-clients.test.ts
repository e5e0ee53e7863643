import { execa } from 'execa';
import Fastify, { type FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../../pipeline/serve/adapters/index.ts';
import { createFakeRewardService, type FakeRewardService } from '../../unit/serve/adapter-test-service.ts';

/**
 * The Python client files (clients/python/) run with the machine's python3 against a live
 * loopback server: the adapters over a fake RewardService (the contract boundary), behind a
 * bearer-token check like the real app's. The same files against the real app:
 * adapter-real-app.test.ts.
 */
const CLIENTS = fileURLToPath(new URL('../../../clients/python/', import.meta.url));
const TOKEN = 's3cret';
const STATEMENT = 'import Mathlib\n\ntheorem t1 (x : ℕ) : x + 0 = x := by';
const GOOD = '<think>ok</think>\n```lean4\ntheorem t1 (x : ℕ) : x + 0 = x := by\n  simp\n```';

let app: FastifyInstance;
let service: FakeRewardService;
let url: string;

beforeAll(async () => {
  service = createFakeRewardService();
  app = Fastify();
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${TOKEN}`) await reply.code(401).send({ code: 'UNAUTHORIZED' });
  });
  for (const plugin of ADAPTERS) await app.register(plugin, { service });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
});

async function python(script: string, env: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await execa('python3', ['-c', `import json, sys\n${script}`], {
    cwd: CLIENTS,
    env: { PYTHONPATH: CLIENTS, PROOFLINE_REWARD_URL: url, PROOFLINE_REWARD_TOKEN: TOKEN, PROOFLINE_REWARD_TIMEOUT_S: '20', ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

describe('clients/python/lean_reward_verl.py against a live server', () => {
  it('compute_score and compute_score_async return the fixed key set with the verdict', async () => {
    const rows = await python(`
import asyncio
from lean_reward_verl import compute_score, compute_score_async
a = compute_score(data_source="d", solution_str=${JSON.stringify(GOOD)}, ground_truth="Should be solved in Lean 4.", extra_info={"formal_statement": ${JSON.stringify(STATEMENT)}, "index": 1, "prompt": [{"role": "user"}]})
b = asyncio.run(compute_score_async("d", "\`\`\`lean4\\nsorry\\n\`\`\`", "nm-1", None))
print(json.dumps([a, b]))`);
    expect(rows).toEqual([
      { score: 1, acc: 1, has_verdict: true, status: 'valid', reason: null, lean_time_s: 1.5, cached: false, feedback: '' },
      { score: 0, acc: 0, has_verdict: true, status: 'sorry', reason: 'sorry', lean_time_s: 1.5, cached: false, feedback: '' },
    ]);
    expect(service.items.some((i) => i.formal_statement === 'theorem t1 (x : ℕ) : x + 0 = x := by sorry' && i.header === 'import Mathlib')).toBe(true);
  });

  it('compute_score_batch keeps order, and an item without a verdict gets 0.0 only with has_verdict False and its status', async () => {
    const rows = (await python(`
from lean_reward_verl import compute_score_batch
print(json.dumps(compute_score_batch(["d"] * 3, [${JSON.stringify(GOOD)}, "INFRA", "exact wrong"], ["nm-1"] * 3, [None] * 3)))`, { PROOFLINE_BATCH_SIZE: '2' })) as Record<string, unknown>[];
    expect(rows.map((r) => [r['score'], r['has_verdict'], r['status']])).toEqual([[1, true, 'valid'], [0, false, 'infrastructure_error'], [0, true, 'lean_error']]);
  });

  it('retries a 503 (nothing checked) until its deadline, then returns 0.0 with the infrastructure status and never raises', async () => {
    const before = service.calls.length;
    const row = (await python(`
from lean_reward_verl import compute_score
print(json.dumps(compute_score("d", "INFRA", "nm-1")))`, { PROOFLINE_REWARD_TIMEOUT_S: '3' })) as Record<string, unknown>;
    expect(row).toMatchObject({ score: 0, has_verdict: false, status: 'infrastructure_error' });
    expect(String(row['reason'])).toContain('HTTP 503');
    expect(service.calls.length - before).toBeGreaterThanOrEqual(2);
  });

  it('reports an unreachable server and a refused token as statuses, not exceptions', async () => {
    const down = (await python(`
from lean_reward_verl import compute_score
print(json.dumps(compute_score("d", "x", "nm-1")))`, { PROOFLINE_REWARD_URL: 'http://127.0.0.1:9', PROOFLINE_REWARD_TIMEOUT_S: '1' })) as Record<string, unknown>;
    expect(down).toMatchObject({ score: 0, has_verdict: false, status: 'unreachable' });
    const refused = (await python(`
from lean_reward_verl import compute_score
print(json.dumps(compute_score("d", "x", "nm-1")))`, { PROOFLINE_REWARD_TOKEN: 'wrong' })) as Record<string, unknown>;
    expect(refused).toMatchObject({ has_verdict: false, status: 'request_invalid' });
    expect(String(refused['reason'])).toContain('HTTP 401');
  });
});

describe('clients/python/lean_reward_trl.py against a live server', () => {
  it('returns 1.0 / 0.0 / None per completion, string or conversational, with dataset columns as kwargs', async () => {
    const rewards = await python(`
import asyncio
from lean_reward_trl import lean_reward
print(json.dumps(asyncio.run(lean_reward(
    prompts=["p"] * 3,
    completions=[${JSON.stringify(GOOD)}, [{"role": "assistant", "content": "exact nope"}], "INFRA"],
    formal_statement=[${JSON.stringify(STATEMENT)}] * 3, completion_ids=[[1], [2], [3]], trainer_state=None))))`);
    expect(rewards).toEqual([1, 0, null]);
  });

  it('returns None for every completion when the server gives no verdict at all, after retrying', async () => {
    const rewards = await python(`
import asyncio
from lean_reward_trl import lean_reward
print(json.dumps(asyncio.run(lean_reward(prompts=["p", "p"], completions=["INFRA", "INFRA"], problem_id=["a", "b"]))))`, { PROOFLINE_REWARD_TIMEOUT_S: '2' });
    expect(rewards).toEqual([null, null]);
  });
});
