import Fastify, { type FastifyInstance } from 'fastify';
import { ADAPTERS, type AdapterDeps } from '../../../pipeline/serve/adapters/index.ts';
import type { ItemResult, ItemStatus, RewardService, VerifyItem, VerifyOptions } from '../../../pipeline/serve/reward-contract.ts';

/**
 * A stand-in for the reward service at its contract boundary (reward-contract.ts): it records
 * every call and decides each item from markers in its completion, so adapter tests can assert
 * both the items an adapter built and how it turns each status into its trainer's wire.
 *
 *   problem_id "unknown-*" → unknown_problem · INFRA → infrastructure_error (LEAN_CRASHED)
 *   DEADLINE → deadline_exceeded · TIMEOUT → timeout · native_decide → forbidden_axiom
 *   sorry → sorry · `rfl`/`norm_num`/`simp` → valid · anything else → lean_error
 */
export interface FakeRewardService extends RewardService {
  readonly calls: { items: VerifyItem[]; options: VerifyOptions }[];
  readonly items: VerifyItem[];
}

function decide(item: VerifyItem): { status: ItemStatus; reward: number | null } {
  const text = item.completion ?? item.proof ?? '';
  if (item.problem_id?.startsWith('unknown-') === true) return { status: 'unknown_problem', reward: null };
  if (text.includes('INFRA')) return { status: 'infrastructure_error', reward: null };
  if (text.includes('DEADLINE')) return { status: 'deadline_exceeded', reward: null };
  if (text.includes('TIMEOUT')) return { status: 'timeout', reward: 0 };
  if (text.includes('native_decide')) return { status: 'forbidden_axiom', reward: 0 };
  if (text.includes('sorry')) return { status: 'sorry', reward: 0 };
  if (/\b(rfl|norm_num|simp)\b/u.test(text)) return { status: 'valid', reward: 1 };
  return { status: 'lean_error', reward: 0 };
}

export function fakeResult(item: VerifyItem): ItemResult {
  const { status, reward } = decide(item);
  const isRejection = reward === 0;
  return {
    id: item.id,
    status,
    reward,
    verified: status === 'valid',
    reason: isRejection ? status : null,
    layer: isRejection ? (status === 'forbidden_axiom' ? 'L2' : 'L2') : null,
    axioms: status === 'valid' ? ['propext'] : null,
    messages:
      status === 'lean_error'
        ? [{ severity: 'error', line: 5, column: 2, end_line: 5, end_column: 9, data: 'unknown identifier' }]
        : status === 'sorry'
          ? [{ severity: 'warning', line: 4, column: 8, end_line: 4, end_column: 11, data: "declaration uses 'sorry'" }]
          : [],
    feedback: status === 'lean_error' ? 'line 5: unknown identifier' : '',
    components: { lean: reward, format: null },
    lean_time_s: reward === null ? 0 : 1.5,
    cached: false,
    error_code: status === 'infrastructure_error' ? 'LEAN_CRASHED' : null,
  };
}

export function createFakeRewardService(): FakeRewardService {
  const calls: { items: VerifyItem[]; options: VerifyOptions }[] = [];
  return {
    calls,
    get items() {
      return calls.flatMap((c) => c.items);
    },
    versions: { lean: 'v4.33.0', mathlib: null, checker: 'test', policy: { name: 'strict', version: '1' } },
    async verify(items, options) {
      calls.push({ items: items.map((i) => ({ ...i })), options });
      // Answer out of order: adapters must match results by id.
      return items.map(fakeResult).reverse();
    },
  };
}

/** A fastify app with every adapter registered (fastify's default error handler). */
export async function adapterApp(service: RewardService, extra: Omit<AdapterDeps, 'service'> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  for (const plugin of ADAPTERS) await app.register(plugin, { service, ...extra });
  await app.ready();
  return app;
}
