import { bool, int32, listOf, type ParquetField, struct, text } from './parquet-schema.ts';

const hfMessage = [text('role'), text('content'), text('reasoning_content', true)];
const chatMessage = [text('role'), text('content')];

/** Columns of the HF/TRL SFT Parquet (sft-rows.ts HfSftRow, in that order). */
export const HF_SFT_FIELDS: ParquetField[] = [
  text('id'), text('problem_id'), int32('sample_index'), text('dataset'), text('source', true), text('split'),
  listOf('messages', hfMessage), listOf('messages_think_inline', hfMessage),
  text('informal_statement', true), text('header'), text('formal_statement'), text('lean_file'),
  text('model'), text('prompt_version'), text('toolchain'), text('mathlib_rev', true), text('checker_version'), text('policy'),
  text('statement_hash'), text('proof_hash'), text('run_id'), bool('verified'),
];

/** Columns of the verl RL prompt Parquet (rl-prompts.ts VerlRow). */
export const VERL_FIELDS: ParquetField[] = [
  text('data_source'),
  listOf('prompt', chatMessage),
  text('ability'),
  struct('reward_model', [text('style'), text('ground_truth')]),
  struct('extra_info', [text('problem_id'), text('formal_statement'), text('header'), text('split'), int32('index'), int32('sampled'), int32('verified')]),
];
