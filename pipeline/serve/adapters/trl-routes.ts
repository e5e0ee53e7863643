import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { VerifyItem } from '../reward-contract.ts';
import type { AdapterDeps } from './adapter-deps.ts';
import { InvalidFieldError, requireSomeVerdict } from './adapter-errors.ts';
import { statementFromObject } from './problem-ref.ts';
import { parseBody, verifyOptions } from './request-context.ts';
import { verifyInOrder } from './verify-items.ts';

/**
 * TRL `reward_funcs` over HTTP, for `clients/python/lean_reward_trl.py`:
 * `POST /v1/trl/rewards` `{prompts?, completions, columns: {problem_id? | formal_statement (+ header)?}}`
 * → `{rewards: [float|null], statuses: [string]}`.
 *
 * - `completions[i]` is a string (standard format) or a list of messages (conversational); the
 *   assistant messages' contents are the completion.
 * - `columns` holds the dataset columns TRL passes to reward functions, each a list aligned with
 *   the completions; the trusted statement comes from `problem_id`, else `formal_statement`/`header`.
 * - `null` = no verdict (infrastructure, deadline, unknown problem): TRL turns None into NaN and
 *   ignores it, which is exactly right. The whole request is 503 only when nothing got a verdict.
 */
export const TRL_TIMEOUT_S = 240;

const MessageSchema = z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(z.looseObject({ text: z.string().optional() }))]) });
const CompletionSchema = z.union([z.string(), z.array(MessageSchema)]);
const ColumnSchema = z.array(z.string().nullable());

const BodySchema = z.object({
  prompts: z.array(z.unknown()).optional(),
  completions: z.array(CompletionSchema),
  columns: z.object({ problem_id: ColumnSchema.optional(), header: ColumnSchema.optional(), formal_statement: ColumnSchema.optional() }).loose(),
});

function completionText(completion: z.infer<typeof CompletionSchema>): string {
  if (typeof completion === 'string') return completion;
  const assistant = completion.filter((m) => m.role === 'assistant');
  return (assistant.length > 0 ? assistant : completion)
    .map((m) => (typeof m.content === 'string' ? m.content : m.content.map((part) => part.text ?? '').join('')))
    .join('\n');
}

export async function trlRoutes(app: FastifyInstance, deps: AdapterDeps): Promise<void> {
  app.post('/v1/trl/rewards', async (request) => {
    const body = parseBody(BodySchema, request.body);
    const n = body.completions.length;
    const { problem_id: ids, header: headers, formal_statement: statements } = body.columns;
    for (const [name, list] of [['columns.problem_id', ids], ['columns.header', headers], ['columns.formal_statement', statements]] as const) {
      if (list !== undefined && list.length !== n) throw new InvalidFieldError(name, `expected ${n} entries (one per completion), got ${list.length}`);
    }
    if (ids === undefined && statements === undefined) throw new InvalidFieldError('columns', 'expected a `problem_id` or `formal_statement` column');
    const items: VerifyItem[] = body.completions.map((completion, i) => ({
      id: String(i),
      ...statementFromObject(
        { problem_id: ids?.[i] ?? undefined, header: headers?.[i] ?? undefined, formal_statement: statements?.[i] ?? undefined },
        `columns[${i}]`,
      ),
      completion: completionText(completion),
    }));
    const results = await verifyInOrder(deps.service, items, verifyOptions(request, TRL_TIMEOUT_S));
    requireSomeVerdict(results);
    return { rewards: results.map((r) => r.reward), statuses: results.map((r) => r.status) };
  });
}
