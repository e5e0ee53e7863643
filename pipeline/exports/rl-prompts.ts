import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import { type ChatMessage, promptMessages } from './chat-messages.ts';
import { problemOf } from './select-candidates.ts';

/**
 * One RL prompt per PROBLEM (not per candidate), from its canonical records: the prompt the model
 * was sent and the trusted statement the reward service checks against. Held-out problems give
 * none. `sampled`/`verified` (candidates with a verdict / accepted in this run) let a trainer
 * filter by difficulty; a problem whose checks all errored still gets its prompt (sampled 0).
 */
export interface RlProblem {
  record: CanonicalRecord;
  sampled: number;
  verified: number;
}

export function rlProblem(records: readonly CanonicalRecord[]): RlProblem | null {
  const first = problemOf(records);
  if (first === null || first.held_out !== null) return null;
  const checked = records.filter((r) => r.verdict !== null);
  return { record: first, sampled: checked.length, verified: checked.filter((r) => r.verdict!.kind === 'accepted').length };
}

/** verl Parquet row (§1.1, §6.2.6): `reward_model.ground_truth` is the problem id our reward service resolves. */
export interface VerlRow {
  data_source: string;
  prompt: ChatMessage[];
  ability: string;
  reward_model: { style: 'rule'; ground_truth: string };
  extra_info: { problem_id: string; formal_statement: string; header: string; split: string; index: number; sampled: number; verified: number };
}

/** `index` is the problem's position in the export (the caller's running count), as verl's examples number rows. */
export function toVerlRow({ record, sampled, verified }: RlProblem, index: number): VerlRow {
  return {
    data_source: `proofline/${record.dataset}`,
    prompt: promptMessages(record),
    ability: 'lean4_theorem_proving',
    reward_model: { style: 'rule', ground_truth: record.problem_id },
    extra_info: { problem_id: record.problem_id, formal_statement: record.formal_statement, header: record.header, split: record.split, index, sampled, verified },
  };
}

/**
 * OpenRLHF JSONL (§3.4): `--input_key input --label_key label --apply_chat_template`; the label is a
 * JSON string (OpenRLHF passes labels to the remote reward as strings).
 */
export interface OpenRlhfRow {
  input: ChatMessage[];
  label: string;
}

export function toOpenRlhfRow({ record }: RlProblem): OpenRlhfRow {
  return { input: promptMessages(record), label: JSON.stringify(referenceAnswer(record)) };
}

/** Bedrock reinforcement fine-tuning JSONL (§3.1, §6.2.6): the grader Lambda gets `reference_answer`. */
export interface BedrockRftRow {
  messages: ChatMessage[];
  reference_answer: { problem_id: string; formal_statement: string; header: string };
}

export function toBedrockRftRow({ record }: RlProblem): BedrockRftRow {
  return { messages: promptMessages(record), reference_answer: referenceAnswer(record) };
}

function referenceAnswer(record: CanonicalRecord): BedrockRftRow['reference_answer'] {
  return { problem_id: record.problem_id, formal_statement: record.formal_statement, header: record.header };
}
