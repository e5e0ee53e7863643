import { z } from 'zod';

const positiveInt = z.number().int().positive();
const MIB = 1024 * 1024;

/**
 * `serve:` — the reward service (`proofline serve`). Every default lives here; the lead mounts this
 * schema into pipeline/config.ts as `serve: ServeConfigSchema.default(ServeConfigSchema.parse({}))`.
 * The Lean budget (`lean.timeout_ms`, pool size, cache) stays under `lean:`.
 */
export const ServeConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8000),
    /**
     * The problem registry, loaded once at start: JSONL files (`.gz` too), local directories, or
     * `s3://bucket/key.jsonl` objects and `s3://bucket/prefix/` prefixes (every `.jsonl[.gz]` under
     * it). Lines are Problems (`id`, `header`, `formal_statement`); ids are looked up, never paths.
     */
    problems: z.array(z.string().min(1)).default([]),
    kimina: z
      .object({
        /**
         * The Kimina facade checks a snippet against a TRUSTED statement only when the snippet names a
         * `problem_id` or its theorem matches a registry problem; otherwise it uses the snippet's own
         * statement. true = refuse such snippets (statement_mismatch) instead. null (default) = true
         * whenever the registry holds problems: fail closed unless there is nothing to match against.
         */
        require_registered_statement: z.boolean().nullable().default(null),
      })
      .strict()
      .default({ require_registered_statement: null }),
    limits: z
      .object({
        /** Largest request body; larger → 413 before parsing. */
        body_limit_bytes: positiveInt.default(64 * MIB),
        /** Most items in one request; more → 413 `too_many_items`. */
        max_items: positiveInt.default(8192),
      })
      .default({ body_limit_bytes: 64 * MIB, max_items: 8192 }),
    queue: z
      .object({
        /** Checks handed to the checker at once (null = 2 × lean.pool.size, which keeps the pool fed). */
        concurrency: positiveInt.nullable().default(null),
        /** Distinct checks waiting to start, over all clients; a request that does not fit → 429. */
        max_queued: positiveInt.default(32_768),
        /** Distinct checks one client may have waiting; keeps one trainer from filling the queue. */
        max_queued_per_client: positiveInt.default(16_384),
        /** Attempts of one check after the checker's own retries gave up with a retryable error (inside the deadline). */
        max_attempts: positiveInt.default(2),
        /**
         * Items waiting for a check (new ones and duplicates that join a check already queued or
         * running), over all clients. Duplicates cost no queue slot, but each waiting item holds
         * its request in memory: past this bound a request is refused (429) like a full queue.
         */
        max_waiting_items: positiveInt.default(131_072),
        /**
         * Items one client may have waiting for checks. Default 1/8 of max_waiting_items, so it takes
         * eight clients at their bound to fill the total (at 1/2, two busy clients left every other
         * client nothing but 429s); at least limits.max_items, so one maximal request fits.
         */
        max_waiting_items_per_client: positiveInt.default(16_384),
        /**
         * UTF-8 bytes of the text that waiting items carry themselves (header + formal_statement +
         * completion/proof; a problem_id's registry text is shared and not counted), over all
         * clients: the item bound counts items, so 24 one-item requests with an 8 MB completion
         * each would otherwise all be admitted. Past it → 429 + Retry-After.
         */
        max_waiting_bytes: positiveInt.default(256 * MIB),
        /**
         * Such bytes one client may have waiting (default 1/4 of max_waiting_bytes: it must hold one
         * maximal request, limits.body_limit_bytes, whose item text is never larger than its body).
         */
        max_waiting_bytes_per_client: positiveInt.default(64 * MIB),
      })
      .default({
        concurrency: null,
        max_queued: 32_768,
        max_queued_per_client: 16_384,
        max_attempts: 2,
        max_waiting_items: 131_072,
        max_waiting_items_per_client: 16_384,
        max_waiting_bytes: 256 * MIB,
        max_waiting_bytes_per_client: 64 * MIB,
      }),
    deadline: z
      .object({
        /** Deadline of a request that names none (OpenRLHF gives up after 180 s). */
        default_timeout_s: z.number().positive().default(150),
        /** Cap on `X-Deadline-Ms` / body `timeout_s`. */
        max_timeout_s: z.number().positive().default(900),
      })
      .default({ default_timeout_s: 150, max_timeout_s: 900 }),
    auth: z
      .object({
        /** Bearer tokens and the client id each one identifies (fair queuing uses it). Empty = no auth. */
        tokens: z.array(z.object({ client: z.string().min(1), token: z.string().min(16, 'expected a token of at least 16 characters') })).default([]),
        /** Environment variable with more tokens, `client=token` pairs separated by commas (read by `proofline serve`). */
        tokens_env: z.string().min(1).default('PROOFLINE_SERVE_TOKENS'),
      })
      .default({ tokens: [], tokens_env: 'PROOFLINE_SERVE_TOKENS' }),
    reward: z
      .object({
        /** Multiply the Lean reward by a format gate (one `<think>` block, then one ```lean4 block). Per request: `reward.require_format`. */
        require_format: z.boolean().default(false),
      })
      .default({ require_format: false }),
    /** SIGTERM: stop admitting, give in-flight requests this long, answer what is left as deadline_exceeded, exit. */
    drain_timeout_ms: positiveInt.default(30_000),
    /** /readyz turns ready after one check through the checker on this header (null = the registry's most common header). */
    canary_header: z.string().nullable().default(null),
  })
  .strict()
  .refine((c) => c.limits.max_items <= c.queue.max_queued_per_client && c.queue.max_queued_per_client <= c.queue.max_queued, {
    message: 'expected limits.max_items <= queue.max_queued_per_client <= queue.max_queued (a request that can never be admitted must be a 413, not a 429 forever)',
  })
  .refine((c) => c.limits.max_items <= c.queue.max_waiting_items_per_client && c.queue.max_waiting_items_per_client <= c.queue.max_waiting_items, {
    message: 'expected limits.max_items <= queue.max_waiting_items_per_client <= queue.max_waiting_items (a request that can never be admitted must be a 413, not a 429 forever)',
  })
  .refine((c) => c.limits.body_limit_bytes <= c.queue.max_waiting_bytes_per_client && c.queue.max_waiting_bytes_per_client <= c.queue.max_waiting_bytes, {
    message: 'expected limits.body_limit_bytes <= queue.max_waiting_bytes_per_client <= queue.max_waiting_bytes (the text of a request that fits the body limit must fit the waiting bytes, or it would be a 429 forever)',
  });

export type ServeConfig = z.infer<typeof ServeConfigSchema>;

export const DEFAULT_SERVE_CONFIG: ServeConfig = ServeConfigSchema.parse({});
