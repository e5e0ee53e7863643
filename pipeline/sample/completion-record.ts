import type { CompletionRecord } from '../schemas/completion.ts';
import type { Completion, PreparedRequest, Sampler } from './sampler.ts';

/** What pipeline/extract/extract-proof.ts returns (owned by the extraction work; coded against its contract). */
export type ExtractionResult =
  | { ok: true; auxiliary: string | null; proof: string; reasoning: string | null; source: string }
  | { ok: false; reason: 'no_proof'; detail: string; reasoning: string | null };

/** `header` is the trusted header (the extractor drops the model's copies of its lines). */
export type ExtractProof = (completion: string, formalStatement: string, header: string) => ExtractionResult;

export interface RecordContext {
  sampler: Pick<Sampler, 'kind'>;
  request: PreparedRequest;
  promptVersion: string;
  cached: boolean;
}

/**
 * One output line. `reasoning` is the API's reasoning block when the backend returned one, else
 * what the extractor found around the Lean block. A completion without a usable Lean block is a
 * record with `proof: null` and a `no_proof` detail, never an error and never a drop.
 */
export function buildCompletionRecord(completion: Completion, extraction: ExtractionResult, context: RecordContext): CompletionRecord {
  const apiReasoning = completion.reasoning !== null && completion.reasoning.trim() !== '' ? completion.reasoning : null;
  const extractedReasoning = extraction.reasoning !== null && extraction.reasoning.trim() !== '' ? extraction.reasoning : null;
  const reasoning = apiReasoning ?? extractedReasoning;
  return {
    problem_id: context.request.problemId,
    sample_index: context.request.sampleIndex,
    sampler: context.sampler.kind,
    model: completion.model,
    prompt_version: context.promptVersion,
    request_hash: context.request.hash,
    seed: context.request.seed,
    text: completion.text,
    reasoning,
    reasoning_source: apiReasoning !== null ? 'api' : extractedReasoning !== null ? 'extracted' : null,
    reasoning_redacted: completion.reasoningRedacted,
    proof: extraction.ok ? extraction.proof : null,
    auxiliary: extraction.ok && extraction.auxiliary !== null && extraction.auxiliary.trim() !== '' ? extraction.auxiliary : null,
    proof_source: extraction.ok ? extraction.source : null,
    no_proof: extraction.ok ? null : { reason: 'no_proof', detail: extraction.detail },
    stop_reason: completion.stopReason,
    truncated: completion.truncated,
    usage: { input_tokens: completion.usage.inputTokens, output_tokens: completion.usage.outputTokens },
    latency_ms: Math.round(completion.latencyMs),
    cached: context.cached,
  };
}
