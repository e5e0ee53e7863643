import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import { type ChatMessage, leanAnswer, promptMessages, trainingReasoning, withInlineThink } from './chat-messages.ts';
import { type ExportOptions, selectFailed, selectVerified } from './select-candidates.ts';
import { type HfMessage, novaPrompt } from './sft-rows.ts';

export interface PreferencePair {
  chosen: CanonicalRecord;
  rejected: CanonicalRecord;
}

/**
 * Pairs for one problem: the i-th verified candidate with the i-th failed one, both in
 * sample-index order (selectVerified / selectFailed), so each completion is in at most one pair
 * and the result is the same on every run; at most `max_per_problem` pairs. Failed = REJECTED by
 * the checker for what the proof is, not for the resources it used: a candidate whose check errored
 * (not known to be wrong) or that was rejected for `timeout`, `memory_limit` or `crashes_lean`
 * (RESOURCE_REJECTIONS: maybe right, only expensive) is never the rejected side.
 */
export function pairCandidates(records: readonly CanonicalRecord[], options: ExportOptions): PreferencePair[] {
  const verified = selectVerified(records, { ...options, max_per_problem: null });
  const failed = selectFailed(records, options);
  const count = Math.min(verified.length, failed.length, options.max_per_problem ?? Infinity);
  return Array.from({ length: count }, (_, i) => ({ chosen: verified[i]!, rejected: failed[i]! }));
}

/** TRL preference (§3.3): conversational prompt, chosen and rejected assistant turns. */
export interface TrlPreferenceRow {
  id: string;
  problem_id: string;
  prompt: ChatMessage[];
  chosen: HfMessage[];
  rejected: HfMessage[];
  chosen_sample_index: number;
  rejected_sample_index: number;
  rejected_reason: string;
  rejected_layer: string;
}

export function toTrlPreferenceRow({ chosen, rejected }: PreferencePair): TrlPreferenceRow {
  const turn = (r: CanonicalRecord): HfMessage[] => [{ role: 'assistant', content: leanAnswer(r), reasoning_content: trainingReasoning(r) }];
  return {
    id: `${chosen.id}>${rejected.sample_index}`,
    problem_id: chosen.problem_id,
    prompt: promptMessages(chosen),
    chosen: turn(chosen),
    rejected: turn(rejected),
    chosen_sample_index: chosen.sample_index,
    rejected_sample_index: rejected.sample_index,
    rejected_reason: rejected.verdict!.reason!,
    rejected_layer: rejected.verdict!.layer,
  };
}

/**
 * Nova DPO (§3.1): the last assistant turn holds two `candidates` with `preferenceLabel`. The
 * documented example carries text blocks only; whether `reasoningContent` is accepted inside
 * candidates is UNSURE, so the reasoning is left out here and the candidates differ in the proof.
 */
export interface NovaPreferenceRow {
  schemaVersion: 'bedrock-conversation-2024';
  system?: { text: string }[];
  messages: ({ role: 'user'; content: { text: string }[] } | { role: 'assistant'; candidates: { content: { text: string }[]; preferenceLabel: 'preferred' | 'non-preferred' }[] })[];
}

export function toNovaPreferenceRow({ chosen, rejected }: PreferencePair): NovaPreferenceRow {
  const prompt = novaPrompt(chosen);
  return {
    schemaVersion: 'bedrock-conversation-2024',
    ...prompt,
    messages: [
      ...prompt.messages,
      {
        role: 'assistant',
        candidates: [
          { content: [{ text: leanAnswer(chosen) }], preferenceLabel: 'preferred' },
          { content: [{ text: leanAnswer(rejected) }], preferenceLabel: 'non-preferred' },
        ],
      },
    ],
  };
}

/** OpenAI DPO (§3.2): reasoning inlined as `<think>` like the OpenAI SFT export. */
export interface OpenAiPreferenceRow {
  input: { messages: ChatMessage[] };
  preferred_output: ChatMessage[];
  non_preferred_output: ChatMessage[];
}

export function toOpenAiPreferenceRow({ chosen, rejected }: PreferencePair): OpenAiPreferenceRow {
  const turn = (r: CanonicalRecord): ChatMessage[] => [{ role: 'assistant', content: withInlineThink(trainingReasoning(r), leanAnswer(r)) }];
  return { input: { messages: promptMessages(chosen) }, preferred_output: turn(chosen), non_preferred_output: turn(rejected) };
}
