import { z } from 'zod';

/**
 * One line of `proofline sample --out`: one model completion for one (problem, sample index),
 * with what extraction found in it and the provenance needed to reproduce the request.
 * A completion without a usable Lean block is still a record (`proof: null`, `no_proof` set):
 * downstream it becomes a `rejected/no_proof` candidate, never a silent drop.
 */
export const CompletionRecordSchema = z.object({
  problem_id: z.string().min(1),
  /** 0-based; with `problem_id`, the record's identity (resume skips pairs already written). */
  sample_index: z.number().int().min(0),
  sampler: z.enum(['bedrock', 'openai', 'replay']),
  /** The model that answered (as the endpoint reports it, else as configured). */
  model: z.string(),
  prompt_version: z.string(),
  /** sha256 of the full wire request (+ sample index); the sample cache key. */
  request_hash: z.string().regex(/^[0-9a-f]{64}$/u),
  /** Per-sample seed sent to the backend; null when the backend takes none. */
  seed: z.number().int().nullable(),
  /** The model's visible output, verbatim. */
  text: z.string(),
  /** The reasoning block from the API when present, else the prose the extractor found; null if none. */
  reasoning: z.string().nullable(),
  reasoning_source: z.enum(['api', 'extracted']).nullable(),
  /** The API returned reasoning it redacted (e.g. Bedrock `redactedContent`, Nova 2 Lite). */
  reasoning_redacted: z.boolean(),
  /** The proof body the extractor took (starts with `by` or is a term); null = no usable Lean block. */
  proof: z.string().nullable(),
  /** Auxiliary declarations the model put before the theorem (the checker's policy decides on them). */
  auxiliary: z.string().nullable(),
  /** Which part of the text the proof came from (the extractor's `source`); null without a proof. */
  proof_source: z.string().nullable(),
  /** Why there is no proof; null when `proof` is set. */
  no_proof: z.object({ reason: z.literal('no_proof'), detail: z.string() }).nullable(),
  /** Backend stop reason verbatim (`end_turn`, `max_tokens`, `stop`, `length`, `recorded`, …). */
  stop_reason: z.string(),
  /** The model hit its output limit; the proof may be cut off. Never keep these as SFT pairs. */
  truncated: z.boolean(),
  usage: z.object({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) }),
  latency_ms: z.number().min(0),
  /** Answered from the sample cache (no request was paid for in this run). */
  cached: z.boolean(),
});

export type CompletionRecord = z.infer<typeof CompletionRecordSchema>;
