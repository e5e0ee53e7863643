import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeIssue } from '../config.ts';
import type { ItemResult, RewardService, VerifyItem } from './reward-contract.ts';
import { verifyOptionsFor } from './request-options.ts';
import type { ServeConfig } from './serve-config.ts';
import { ServeError } from './serve-error.ts';

const optionalText = z.string().nullish().transform((v) => v ?? undefined);

const VerifyItemSchema = z
  .object({
    id: z.union([z.string().min(1).max(256), z.number().int()]).optional(),
    problem_id: z.string().min(1).max(512).nullish().transform((v) => v ?? undefined),
    header: optionalText,
    formal_statement: optionalText,
    completion: optionalText,
    proof: optionalText,
  })
  .refine((i) => (i.problem_id === undefined) !== (i.formal_statement === undefined), { message: 'expected exactly one of problem_id or formal_statement (with an optional header)', path: ['problem_id'] })
  .refine((i) => i.problem_id === undefined || i.header === undefined, { message: 'expected no header with problem_id (the registry holds the trusted header)', path: ['header'] })
  .refine((i) => (i.completion === undefined) !== (i.proof === undefined), { message: 'expected exactly one of completion or proof', path: ['completion'] });

export const VerifyBodySchema = z.object({
  items: z.array(VerifyItemSchema).min(1, 'expected at least one item'),
  timeout_s: z.number().positive().nullish(),
  reward: z
    .object({ require_format: z.boolean().optional(), format: z.literal('think_then_lean4').optional() })
    .nullish(),
});

/** Parses a body with a zod schema; a failure is a 400 naming the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ServeError('invalid_request', `Invalid request body: ${describeIssue(issue)}`, { field: issue.path.join('.') || '(root)' });
}

/** 413 before validation when a list is longer than `serve.limits.max_items`. */
export function assertItemCount(count: number, config: ServeConfig, field: string): void {
  if (count > config.limits.max_items) {
    throw new ServeError('too_many_items', `Expected at most ${config.limits.max_items} items in \`${field}\` (serve.limits.max_items), got ${count}; split the batch`, { field });
  }
}

/**
 * 503 + Retry-After when nothing in the request could be checked: no item got a verdict, and at
 * least one failed for infrastructure reasons or ran out of time (deadline or shutdown drain). The
 * trainer retries the request instead of logging a step with no rewards. A check that was already
 * running finishes and its verdict is cached, so the retry gets it; a check still queued that no
 * other request waits for is dropped, and the retry queues it again. The body still carries the per-item
 * results. A request of only unknown problems stays 200: retrying cannot help it.
 */
export function assertSomethingChecked(results: readonly ItemResult[], body: Record<string, unknown>, retryAfterS: number): void {
  let failed = 0;
  let expired = 0;
  for (const r of results) {
    if (r.reward !== null) return;
    if (r.status === 'infrastructure_error') failed += 1;
    else if (r.status === 'deadline_exceeded') expired += 1;
  }
  if (failed > 0) {
    const codes = [...new Set(results.filter((r) => r.status === 'infrastructure_error').map((r) => r.error_code ?? 'unknown'))].join(', ');
    const late = expired > 0 ? `, ${expired} ran out of time` : '';
    throw new ServeError('checker_failed', `No item could be checked: ${failed} of ${results.length} failed for infrastructure reasons (${codes})${late}; retry after ${retryAfterS} s`, { retryAfterS, body });
  }
  if (expired > 0) {
    throw new ServeError('deadline_exceeded', `No item could be checked by the request's deadline: ${expired} of ${results.length} ran out of time; checks already running finish and their verdicts are cached, so a retry after ${retryAfterS} s reuses them; queued checks no other request waited for were dropped, and a retry queues them again`, { retryAfterS, body });
  }
}

/**
 * ajv options the app must give fastify for the compiled body check below to accept only what
 * `VerifyBodySchema` accepts: no type coercion ("5" is not 5, ["x"] is not "x"), and no defaults
 * or removed properties (the body is never changed).
 */
export const VERIFY_AJV_OPTIONS = { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false } as const;

const text = { type: 'string' } as const;

/**
 * `VerifyBodySchema` as JSON Schema, for fastify's compiled (ajv) validator: the check every
 * request pays, in well under a microsecond per item. It is at least as strict as the zod schema
 * (a test holds them to it on valid and invalid bodies): what it accepts, zod accepts with the same
 * values. Whatever it refuses (nulls for absent fields, and every bad body) goes through zod, which
 * either accepts it or names the bad field in the 400, as before.
 */
export function verifyBodyJsonSchema(maxItems: number): Record<string, unknown> {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        minItems: 1,
        // More items than the limit: refused here, so the handler answers 413 without checking them all.
        maxItems,
        items: {
          type: 'object',
          properties: {
            // Lengths in code points (a surrogate pair is one), as zod counts them.
            id: { anyOf: [{ type: 'string', minLength: 1, maxLength: 256 }, { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }] },
            problem_id: { type: 'string', minLength: 1, maxLength: 512 },
            header: text,
            formal_statement: text,
            completion: text,
            proof: text,
          },
          allOf: [
            { oneOf: [{ required: ['problem_id'] }, { required: ['formal_statement'] }] },
            { oneOf: [{ required: ['completion'] }, { required: ['proof'] }] },
            { if: { required: ['problem_id'] }, then: { not: { required: ['header'] } } },
          ],
        },
      },
      timeout_s: { type: 'number', exclusiveMinimum: 0, maximum: Number.MAX_VALUE },
      reward: { type: 'object', properties: { require_format: { type: 'boolean' }, format: { const: 'think_then_lean4' } } },
    },
  };
}

export type VerifyBody = z.infer<typeof VerifyBodySchema>;

/** The service's items from a checked body (the same for both checks): the id is the position when absent. */
export function verifyItemsOf(body: VerifyBody): VerifyItem[] {
  return body.items.map((item, index) => ({
    id: item.id === undefined ? String(index) : String(item.id),
    problem_id: item.problem_id ?? undefined,
    header: item.header ?? undefined,
    formal_statement: item.formal_statement ?? undefined,
    completion: item.completion ?? undefined,
    proof: item.proof ?? undefined,
  }));
}

/** `POST /v1/verify`: the native API. */
export async function verifyRoutes(app: FastifyInstance, deps: { service: RewardService; config: ServeConfig; retryAfterS: () => number }): Promise<void> {
  app.post('/v1/verify', { schema: { body: verifyBodyJsonSchema(deps.config.limits.max_items) }, attachValidation: true }, async (request) => {
    let body: VerifyBody;
    if (request.validationError === undefined) {
      body = request.body as VerifyBody;
    } else {
      const raw = request.body as { items?: unknown } | null;
      if (raw !== null && typeof raw === 'object' && Array.isArray(raw.items)) assertItemCount(raw.items.length, deps.config, 'items');
      body = parseBody(VerifyBodySchema, raw);
    }
    const options = verifyOptionsFor(request, deps.config, body.timeout_s, body.reward?.require_format ?? (body.reward?.format === undefined ? undefined : true));
    const results = await deps.service.verify(verifyItemsOf(body), options);
    const response = { results, verifier: deps.service.versions };
    assertSomethingChecked(results, response, deps.retryAfterS());
    return response;
  });
}
