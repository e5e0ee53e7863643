import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import { leanAnswer, promptMessages, trainingReasoning, withInlineThink } from './chat-messages.ts';

/** A `messages` entry of the HF/TRL export: every message carries `reasoning_content` (null but on the answer). */
export interface HfMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  reasoning_content: string | null;
}

/** One HF/TRL conversational SFT row (trainer-interfaces.md §3.3), with provenance columns. */
export interface HfSftRow {
  id: string;
  problem_id: string;
  sample_index: number;
  dataset: string;
  source: string | null;
  split: string;
  /** Qwen3-style: the assistant's `reasoning_content` + `content` (the chat template renders `<think>`). */
  messages: HfMessage[];
  /** Fallback for templates without a reasoning field: the reasoning inlined as `<think>…</think>`. */
  messages_think_inline: HfMessage[];
  informal_statement: string | null;
  header: string;
  formal_statement: string;
  lean_file: string;
  model: string;
  prompt_version: string;
  toolchain: string;
  mathlib_rev: string | null;
  checker_version: string;
  policy: string;
  statement_hash: string;
  proof_hash: string;
  run_id: string;
  verified: boolean;
}

export function toHfSftRow(record: CanonicalRecord): HfSftRow {
  const reasoning = trainingReasoning(record);
  const answer = leanAnswer(record);
  const prompt = promptMessages(record).map((m) => ({ ...m, reasoning_content: null }));
  const provenance = record.verdict!.provenance;
  return {
    id: record.id,
    problem_id: record.problem_id,
    sample_index: record.sample_index,
    dataset: record.dataset,
    source: record.source,
    split: record.split,
    messages: [...prompt, { role: 'assistant', content: answer, reasoning_content: reasoning }],
    messages_think_inline: [...prompt, { role: 'assistant', content: withInlineThink(reasoning, answer), reasoning_content: null }],
    informal_statement: record.informal_statement,
    header: record.header,
    formal_statement: record.formal_statement,
    lean_file: record.lean_file!,
    model: record.completion.model,
    prompt_version: record.prompt.version,
    toolchain: provenance.toolchain,
    mathlib_rev: provenance.mathlib_rev,
    checker_version: provenance.checker_version,
    policy: `${provenance.policy.name}@${provenance.policy.version}`,
    statement_hash: record.hashes.statement,
    proof_hash: record.hashes.proof!,
    run_id: record.run.run_id,
    verified: true,
  };
}

export type NovaContentBlock = { text: string } | { reasoningContent: { reasoningText: { text: string } } };

/** Amazon Nova `bedrock-conversation-2024` SFT (§3.1): no extra keys, turns user → assistant. */
export interface NovaSftRow {
  schemaVersion: 'bedrock-conversation-2024';
  system?: { text: string }[];
  messages: { role: 'user' | 'assistant'; content: NovaContentBlock[] }[];
}

/** The reasoning goes in `reasoningContent.reasoningText.text`; a redacted trace goes nowhere (no block). */
export function toNovaSftRow(record: CanonicalRecord): NovaSftRow {
  const reasoning = trainingReasoning(record);
  const answer: NovaContentBlock[] = reasoning === null ? [] : [{ reasoningContent: { reasoningText: { text: reasoning } } }];
  answer.push({ text: leanAnswer(record) });
  const prompt = novaPrompt(record);
  return { schemaVersion: 'bedrock-conversation-2024', ...prompt, messages: [...prompt.messages, { role: 'assistant', content: answer }] };
}

/** Nova's system list and first user turn, shared by the SFT and preference rows. */
export function novaPrompt(record: CanonicalRecord): { system?: { text: string }[]; messages: { role: 'user'; content: { text: string }[] }[] } {
  const messages = [{ role: 'user' as const, content: [{ text: record.prompt.user }] }];
  return record.prompt.system === '' ? { messages } : { system: [{ text: record.prompt.system }], messages };
}

/** OpenAI chat fine-tuning (§3.2): no reasoning field, so the reasoning is inlined as `<think>`. */
export interface OpenAiSftRow {
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
}

export function toOpenAiSftRow(record: CanonicalRecord): OpenAiSftRow {
  return { messages: [...promptMessages(record), { role: 'assistant', content: withInlineThink(trainingReasoning(record), leanAnswer(record)) }] };
}
