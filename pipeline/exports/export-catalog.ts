import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import { JsonlGzPart } from './jsonl-gz.ts';
import { HF_SFT_FIELDS, VERL_FIELDS } from './parquet-exports.ts';
import { ParquetPart } from './parquet-schema.ts';
import type { PartEncoder } from './part-writer.ts';
import { pairCandidates, toNovaPreferenceRow, toOpenAiPreferenceRow, toTrlPreferenceRow } from './preference-pairs.ts';
import { rlProblem, toBedrockRftRow, toOpenRlhfRow, toVerlRow } from './rl-prompts.ts';
import { type ExportOptions, problemOf, selectVerified } from './select-candidates.ts';
import { toHfSftRow, toNovaSftRow, toOpenAiSftRow } from './sft-rows.ts';

export const EXPORT_NAMES = [
  'sft-hf', 'sft-nova', 'sft-openai',
  'preference-trl', 'preference-nova', 'preference-openai',
  'rl-verl', 'rl-openrlhf', 'rl-bedrock-rft',
] as const;
export type ExportName = (typeof EXPORT_NAMES)[number];

/** One file series of an export: where its parts go under the run and how rows become bytes. */
export interface ExportTarget {
  export: ExportName;
  format: 'parquet' | 'jsonl.gz';
  /** Under `runs/<run-id>/`; parts are `<dir>/<split>-NNNNN-of-MMMMM.<format>`. */
  dir: string;
  /** A fresh encoder for one part (rows are encoded as they are written). */
  encoder: () => PartEncoder<unknown>;
}

const jsonl = (exportName: ExportName, dir: string): ExportTarget => ({ export: exportName, format: 'jsonl.gz', dir, encoder: () => new JsonlGzPart() });
const parquet = (exportName: ExportName, dir: string, fields: typeof HF_SFT_FIELDS): ExportTarget => ({
  export: exportName, format: 'parquet', dir, encoder: () => new ParquetPart(fields) as PartEncoder<unknown>,
});

/** Every export as JSONL.gz; HF/TRL SFT and verl also as Parquet (`data/`, the layout their loaders expect). */
export const EXPORT_TARGETS: readonly ExportTarget[] = [
  parquet('sft-hf', 'sft/hf/data', HF_SFT_FIELDS), jsonl('sft-hf', 'sft/hf/jsonl'),
  jsonl('sft-nova', 'sft/nova'), jsonl('sft-openai', 'sft/openai'),
  jsonl('preference-trl', 'preference/trl'), jsonl('preference-nova', 'preference/nova'), jsonl('preference-openai', 'preference/openai'),
  parquet('rl-verl', 'rl-prompts/verl/data', VERL_FIELDS), jsonl('rl-verl', 'rl-prompts/verl/jsonl'),
  jsonl('rl-openrlhf', 'rl-prompts/openrlhf'), jsonl('rl-bedrock-rft', 'rl-prompts/bedrock-rft'),
];

/** The build config's `exports:` (pipeline/build/build-config.ts). */
export interface ExportsConfig {
  sft: ExportOptions;
  preference: ExportOptions;
  rl_prompts: { enabled: boolean };
}

export interface ProblemExportRows {
  /** The problem's split: all its rows go to this split's parts. */
  split: string;
  rows: Map<ExportName, unknown[]>;
}

/**
 * Every export row of one problem, from its canonical records alone (all its candidates, in any
 * order). `problemIndex` is the problem's 0-based position in the problem set (verl's
 * `extra_info.index`). Disabled exports get no entry; held-out problems get empty lists.
 */
export function problemExportRows(records: readonly CanonicalRecord[], config: ExportsConfig, problemIndex: number): ProblemExportRows | null {
  const first = problemOf(records);
  if (first === null) return null;
  const rows = new Map<ExportName, unknown[]>();
  if (config.sft.enabled) {
    const verified = selectVerified(records, config.sft);
    rows.set('sft-hf', verified.map(toHfSftRow)).set('sft-nova', verified.map(toNovaSftRow)).set('sft-openai', verified.map(toOpenAiSftRow));
  }
  if (config.preference.enabled) {
    const pairs = pairCandidates(records, config.preference);
    rows.set('preference-trl', pairs.map(toTrlPreferenceRow)).set('preference-nova', pairs.map(toNovaPreferenceRow)).set('preference-openai', pairs.map(toOpenAiPreferenceRow));
  }
  if (config.rl_prompts.enabled) {
    const problem = rlProblem(records);
    const one = <T>(f: (p: NonNullable<typeof problem>) => T): T[] => (problem === null ? [] : [f(problem)]);
    rows.set('rl-verl', one((p) => toVerlRow(p, problemIndex))).set('rl-openrlhf', one(toOpenRlhfRow)).set('rl-bedrock-rft', one(toBedrockRftRow));
  }
  return { split: first.split, rows };
}
