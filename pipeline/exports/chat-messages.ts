import type { CanonicalRecord } from '../schemas/canonical-record.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The reasoning we train on, or null. A trace the API redacted (`reasoning_redacted`, e.g. Nova 2
 * Lite) is not the reasoning that produced the proof — what we hold then is at most prose around
 * the code — so such a completion is exported WITHOUT reasoning in every format (Nova SFT accepts
 * only `reasoningText` anyway, never `redactedContent`). Blank reasoning is no reasoning.
 */
export function trainingReasoning(record: CanonicalRecord): string | null {
  const { reasoning, reasoning_redacted: isRedacted } = record.completion;
  if (isRedacted || reasoning === null || reasoning.trim() === '') return null;
  return reasoning.trim();
}

/**
 * The assistant's answer: the exact Lean file the checker verified (header + [auxiliary] + trusted
 * statement + proof, `lean_file`) in one ```lean4 fence — not the model's raw text. The raw text
 * may restate the theorem differently from the trusted statement (the checker ignores the model's
 * copy, so a changed statement can sit in an accepted completion), carry earlier failed attempts
 * or stray blocks; training on it would teach exactly that. The file is what was proved.
 */
export function leanAnswer(record: CanonicalRecord): string {
  if (record.lean_file === null) throw new Error(`Expected a checked Lean file for ${record.id}, got none`);
  return '```lean4\n' + record.lean_file.trim() + '\n```';
}

/** Reasoning inlined for formats without a reasoning field (OpenAI, the `<think>` fallback column). */
export function withInlineThink(reasoning: string | null, answer: string): string {
  return reasoning === null ? answer : `<think>\n${reasoning}\n</think>\n\n${answer}`;
}

/** The system and user messages the model was sent, verbatim (no system message when it was empty). */
export function promptMessages(record: CanonicalRecord): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (record.prompt.system !== '') messages.push({ role: 'system', content: record.prompt.system });
  messages.push({ role: 'user', content: record.prompt.user });
  return messages;
}
