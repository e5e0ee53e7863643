import { z } from 'zod';

/**
 * The `sampler:` section of the config. Owned by pipeline/sample/; config.ts only mounts it.
 * Shared settings live at `sampler.*`; the backend chosen by `sampler.kind` reads its own section.
 */
const positiveInt = z.number().int().positive();

/** Limits and prices every remote backend takes (bedrock, openai). */
const remoteShape = {
  /** Requests in flight at once (a p-queue slot per request). */
  max_concurrency: positiveInt.default(4),
  /** Tokens (input + max output, settled to actual usage) admitted per rolling window; null = no limit. */
  tokens_per_minute: positiveInt.nullable().default(null),
  /** Length of the rolling token window; 60000 = a real minute. Smaller only for tests and benches. */
  rate_window_ms: positiveInt.default(60_000),
  /** Upper bound on output tokens per request (`maxTokens` / `max_tokens`). */
  max_tokens: positiveInt.default(8192),
  temperature: z.number().min(0).max(2).nullable().default(null),
  top_p: z.number().gt(0).max(1).nullable().default(null),
  stop_sequences: z.array(z.string()).default([]),
  /** USD per 1M tokens, for the run's cost estimate; null = cost not estimated. */
  price: z
    .object({ input_per_million_usd: z.number().min(0), output_per_million_usd: z.number().min(0) })
    .strict()
    .nullable()
    .default(null),
};

export const BedrockSamplerConfigSchema = z
  .object({
    region: z.string().min(1, 'expected an AWS region such as `us-east-1`'),
    /** Model id, inference-profile id (e.g. `us.anthropic.claude-…`) or ARN. */
    model_id: z.string().min(1),
    /** Endpoint override (VPC endpoint, local test server); null = the regional default. */
    endpoint: z.url().nullable().default(null),
    /** Passed through verbatim, e.g. `{ thinking: { type: enabled, budget_tokens: 4000 } }`. */
    additional_model_request_fields: z.record(z.string(), z.unknown()).nullable().default(null),
    ...remoteShape,
  })
  .strict();

export const OpenAiSamplerConfigSchema = z
  .object({
    /** Base URL up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1` (vLLM, SGLang, Ollama). */
    base_url: z.url(),
    model: z.string().min(1),
    /** Name of the environment variable holding the API key; null = no Authorization header. */
    api_key_env: z.string().min(1).nullable().default(null),
    /** Base seed; sample k sends `seed + k`. null = no `seed` field (servers that reject it). */
    seed: z.number().int().min(0).nullable().default(0),
    /** Extra body fields passed through verbatim (e.g. `chat_template_kwargs`, `top_k`). */
    extra_body: z.record(z.string(), z.unknown()).default({}),
    ...remoteShape,
  })
  .strict();

export const ReplaySourceSchema = z
  .object({
    /** JSONL with a `problem_id` per row; the k-th row for an id is sample k. */
    path: z.string().min(1),
    /** Field holding the model's output (e.g. Kimina's `reasoning`, DeepSeek's `candidate`). */
    text_field: z.string().min(1).default('text'),
    /** The field is a bare Lean file: present it as the ```lean4 block the prover emitted. */
    lean_file: z.boolean().default(false),
  })
  .strict();

export const ReplaySamplerConfigSchema = z
  .object({ sources: z.array(ReplaySourceSchema).default([]) })
  .strict();

export const SamplerConfigSchema = z
  .object({
    kind: z.enum(['bedrock', 'openai', 'replay']).default('replay'),
    /** Samples per problem (`--n` overrides). */
    n: positiveInt.default(1),
    /** Prompt template file (system + user, versioned). */
    prompt: z.string().min(1).default('datasets/prompts/lean4-proof-v1.yaml'),
    /** Wall-clock budget per request attempt. */
    timeout_ms: positiveInt.default(300_000),
    retry: z
      .object({
        /** Attempts per request, the first included; retryable failures only. */
        max_attempts: positiveInt.default(6),
        base_delay_ms: z.number().int().min(0).default(1000),
        max_delay_ms: z.number().int().min(0).default(60_000),
      })
      .strict()
      .default({ max_attempts: 6, base_delay_ms: 1000, max_delay_ms: 60_000 }),
    cache: z
      .object({ enabled: z.boolean().default(true), dir: z.string().min(1).default('.proofline-cache/samples') })
      .strict()
      .default({ enabled: true, dir: '.proofline-cache/samples' }),
    bedrock: BedrockSamplerConfigSchema.optional(),
    openai: OpenAiSamplerConfigSchema.optional(),
    replay: ReplaySamplerConfigSchema.default({ sources: [] }),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.kind !== 'replay' && value[value.kind] === undefined) {
      context.addIssue({ code: 'custom', path: [value.kind], message: `expected a \`sampler.${value.kind}\` section because \`sampler.kind\` is ${value.kind}` });
    }
  })
  .default({ kind: 'replay', n: 1, prompt: 'datasets/prompts/lean4-proof-v1.yaml', timeout_ms: 300_000, retry: { max_attempts: 6, base_delay_ms: 1000, max_delay_ms: 60_000 }, cache: { enabled: true, dir: '.proofline-cache/samples' }, replay: { sources: [] } });

export type SamplerConfig = z.infer<typeof SamplerConfigSchema>;
export type BedrockSamplerConfig = z.infer<typeof BedrockSamplerConfigSchema>;
export type OpenAiSamplerConfig = z.infer<typeof OpenAiSamplerConfigSchema>;
export type ReplaySamplerConfig = z.infer<typeof ReplaySamplerConfigSchema>;
export type ReplaySource = z.infer<typeof ReplaySourceSchema>;
export type RemoteSamplerConfig = BedrockSamplerConfig | OpenAiSamplerConfig;
