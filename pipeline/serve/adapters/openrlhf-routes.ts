import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { VerifyItem } from '../reward-contract.ts';
import type { AdapterDeps } from './adapter-deps.ts';
import { InvalidFieldError, requireEveryVerdict } from './adapter-errors.ts';
import { statementFromLabel } from './problem-ref.ts';
import { parseBody, verifyOptions } from './request-context.ts';
import { verifyInOrder } from './verify-items.ts';

/**
 * OpenRLHF's remote reward protocol (`--reward.remote_url http://host/get_reward`, or
 * `--remote_rm_url` up to v0.10.0): `{query, prompts, labels}` → `{rewards, scores, extra_logs}`.
 *
 * - Lists of any length (one item per request since v0.9.1, the whole rollout batch before).
 * - The completion is `query[i]` minus its `prompts[i]` prefix (the query is prompt + response,
 *   decoded with special tokens); when the prefix does not match, the last ```lean4 block of the
 *   query (the prompt's own statement block is earlier, the model writes after it).
 * - `labels[i]`: see problem-ref.ts `statementFromLabel`.
 * - Every list in the answer has one scalar per item (OpenRLHF logs `torch.tensor([value])`).
 *
 * No verdict: OpenRLHF has no per-item skip, and a 0 would teach the policy that a correct proof is
 * wrong. Any item without a verdict makes the whole request 503 + Retry-After; OpenRLHF retries a
 * request 5 times (1 s apart) and then gives the sample no reward, which is the honest outcome.
 * Verdicts reached before the failure are cached, so a retry only re-checks what failed.
 */
export const OPENRLHF_TIMEOUT_S = 150; // OpenRLHF's aiohttp client gives up after 180 s

const BodySchema = z.object({
  query: z.array(z.string()),
  prompts: z.array(z.string()),
  labels: z.array(z.unknown()),
});

const LEAN4_BLOCK = /```lean4?[ \t]*\r?\n([\s\S]*?)```/gu;

export function completionOf(query: string, prompt: string): string {
  if (prompt !== '' && query.startsWith(prompt)) return query.slice(prompt.length);
  const blocks = [...query.matchAll(LEAN4_BLOCK)];
  const last = blocks[blocks.length - 1];
  return last === undefined ? query : `\`\`\`lean4\n${last[1] ?? ''}\`\`\``;
}

export async function openRlhfRoutes(app: FastifyInstance, deps: AdapterDeps): Promise<void> {
  app.post('/get_reward', async (request) => {
    const body = parseBody(BodySchema, request.body);
    const n = body.query.length;
    if (body.prompts.length !== n) throw new InvalidFieldError('prompts', `expected ${n} prompts (one per query), got ${body.prompts.length}`);
    if (body.labels.length !== n) throw new InvalidFieldError('labels', `expected ${n} labels (one per query), got ${body.labels.length}`);
    const items: VerifyItem[] = body.query.map((query, i) => ({
      id: String(i),
      ...statementFromLabel(body.labels[i], `labels[${i}]`),
      completion: completionOf(query, body.prompts[i] as string),
    }));
    const options = verifyOptions(request, OPENRLHF_TIMEOUT_S);
    const results = await verifyInOrder(deps.service, items, options);
    requireEveryVerdict(results, (i) => `labels[${i}]`);
    const rewards = results.map((r) => r.reward as number);
    return {
      rewards,
      scores: rewards,
      extra_logs: {
        verified: results.map((r) => (r.verified ? 1 : 0)),
        lean_time_s: results.map((r) => r.lean_time_s),
        timeout: results.map((r) => (r.status === 'timeout' ? 1 : 0)),
        cached: results.map((r) => (r.cached ? 1 : 0)),
        format_ok: results.map((r) => (r.components.format === null ? 1 : r.components.format)),
      },
    };
  });
}
