import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ItemResult, VerifyItem } from '../reward-contract.ts';
import type { AdapterDeps } from './adapter-deps.ts';
import { InvalidFieldError, requireSomeVerdict } from './adapter-errors.ts';
import { statementFromLabel, statementFromObject, StatementObjectSchema, type StatementRef } from './problem-ref.ts';
import { parseBody, verifyOptions } from './request-context.ts';
import { verifyInOrder } from './verify-items.ts';

/**
 * verl's `compute_score` over HTTP, for `clients/python/lean_reward_verl.py`:
 * - `POST /v1/verl/compute_score`: `{data_source, solution_str, ground_truth, extra_info}` → one score dict;
 * - `POST /v1/verl/compute_score_batch`: `{data_sources, solution_strs, ground_truths, extra_infos}`
 *   (aligned lists) → a list of score dicts.
 *
 * The trusted statement: `extra_info.problem_id`, else `extra_info.formal_statement` (+ `header`;
 * kimina-prover-rl's rows carry it there and a placeholder ground_truth), else `ground_truth` read
 * like an OpenRLHF label (problem-ref.ts).
 *
 * Every dict has the same keys (verl's batch manager appends each key into per-key lists):
 * `score` and `acc` (the reward and the Lean verdict, 1/0; null without a verdict), `has_verdict`,
 * `status`, `reason`, `lean_time_s`, `cached`, `feedback`. The Python client turns a null score
 * into 0.0 because verl needs a number; `status`/`has_verdict` let users filter those out.
 * The whole request is 503 only when no item got a verdict for infrastructure reasons.
 */
export const VERL_TIMEOUT_S = 240; // verl's prime/rate_limited managers time a sample out after 300 s

export interface VerlScore {
  score: number | null;
  acc: number | null;
  has_verdict: boolean;
  status: string;
  reason: string | null;
  lean_time_s: number;
  cached: boolean;
  feedback: string;
}

const ExtraInfoSchema = z.union([StatementObjectSchema, z.null()]).optional();

const SingleSchema = z.object({
  data_source: z.string().nullable().optional(),
  solution_str: z.string(),
  ground_truth: z.unknown().optional(),
  extra_info: ExtraInfoSchema,
});

const BatchSchema = z.object({
  data_sources: z.array(z.string().nullable()).optional(),
  solution_strs: z.array(z.string()),
  ground_truths: z.array(z.unknown()).optional(),
  extra_infos: z.array(ExtraInfoSchema).optional(),
});

function statementOf(groundTruth: unknown, extraInfo: z.infer<typeof ExtraInfoSchema>, fields: { groundTruth: string; extraInfo: string }): StatementRef {
  if (extraInfo != null && (extraInfo.problem_id !== undefined || extraInfo.formal_statement !== undefined)) {
    return statementFromObject(extraInfo, fields.extraInfo);
  }
  return statementFromLabel(groundTruth, fields.groundTruth);
}

export function verlScore(result: ItemResult): VerlScore {
  const hasVerdict = result.reward !== null;
  return {
    score: result.reward,
    acc: hasVerdict ? (result.verified ? 1 : 0) : null,
    has_verdict: hasVerdict,
    status: result.status,
    reason: result.reason,
    lean_time_s: result.lean_time_s,
    cached: result.cached,
    feedback: result.feedback,
  };
}

export async function verlRoutes(app: FastifyInstance, deps: AdapterDeps): Promise<void> {
  app.post('/v1/verl/compute_score', async (request) => {
    const body = parseBody(SingleSchema, request.body);
    const item: VerifyItem = {
      id: '0',
      ...statementOf(body.ground_truth, body.extra_info, { groundTruth: 'ground_truth', extraInfo: 'extra_info' }),
      completion: body.solution_str,
    };
    const results = await verifyInOrder(deps.service, [item], verifyOptions(request, VERL_TIMEOUT_S));
    requireSomeVerdict(results);
    return verlScore(results[0] as ItemResult);
  });

  app.post('/v1/verl/compute_score_batch', async (request) => {
    const body = parseBody(BatchSchema, request.body);
    const n = body.solution_strs.length;
    for (const [name, list] of [['data_sources', body.data_sources], ['ground_truths', body.ground_truths], ['extra_infos', body.extra_infos]] as const) {
      if (list !== undefined && list.length !== n) throw new InvalidFieldError(name, `expected ${n} entries (one per solution_str), got ${list.length}`);
    }
    const items: VerifyItem[] = body.solution_strs.map((solution, i) => ({
      id: String(i),
      ...statementOf(body.ground_truths?.[i], body.extra_infos?.[i], { groundTruth: `ground_truths[${i}]`, extraInfo: `extra_infos[${i}]` }),
      completion: solution,
    }));
    const results = await verifyInOrder(deps.service, items, verifyOptions(request, VERL_TIMEOUT_S));
    requireSomeVerdict(results);
    return results.map(verlScore);
  });
}
