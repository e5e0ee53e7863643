import type { RunStatsJson } from './run-stats.ts';

/** One written part, relative to the run directory (`sft/hf/data/train-00000-of-00001.parquet`). */
export interface CardPart {
  /** An export name (export-catalog.ts), or `records` / `rewards`. */
  export: string;
  format: 'parquet' | 'jsonl.gz';
  /** The directory the parts share (`sft/hf/data`). */
  dir: string;
  /** `train` / `validation`; null for records and rewards (one series for all candidates). */
  split: string | null;
  key: string;
  rows: number;
  bytes: number;
}

export interface DatasetCardInput {
  name: string;
  runId: string;
  configHash: string;
  toolchain: { lean: string; mathlib_rev: string | null; checker_version: string };
  policy: { name: string; version: string };
  models: string[];
  stats: RunStatsJson;
  parts: CardPart[];
}

/**
 * The run's README.md: Hugging Face `configs` front matter (trainer-interfaces.md §3.3) — one
 * config per file series, `default` = the HF/TRL SFT Parquet — then counts, pass@k, rejection
 * reasons by layer, errors, decontamination, tokens and cost, provenance and how to load each export.
 */
export function renderDatasetCard(input: DatasetCardInput): string {
  const { summary, counters } = input.stats;
  const lines = ['---', ...configsYaml(input.parts), '---', '', `# ${input.name} — run ${input.runId}`, ''];
  lines.push('Machine-checked Lean 4 proofs with natural-language reasoning, produced by proofline. Every accepted proof was elaborated by Lean with only the standard axioms and confirmed as the policy requires.', '');
  lines.push('## Counts', '', '| | |', '|---|---|');
  lines.push(`| problems | ${summary.problems} (${Object.entries(summary.problems_by_split).map(([s, n]) => `${s} ${n}`).join(', ')}) |`);
  lines.push(`| candidates | ${counters.candidates} |`, `| accepted | ${counters.by_kind.accepted} |`, `| rejected | ${counters.by_kind.rejected} |`);
  lines.push(`| checker errors (no verdict; not counted as rejections) | ${counters.by_kind.error} |`, `| truncated completions | ${counters.truncated} |`);
  for (const p of summary.pass_at_k) lines.push(`| pass@${p.k} (unbiased, mean over ${p.problems} problems) | ${p.mean === null ? 'n/a' : p.mean.toFixed(4)} |`);
  lines.push('', 'Errored candidates are left out of n in pass@k.', '', '## Verdicts by layer', '', '| layer | outcome | count |', '|---|---|---|');
  for (const [layer, m] of Object.entries(counters.by_layer).sort()) for (const [key, n] of Object.entries(m).sort()) lines.push(`| ${layer} | ${key} | ${n} |`);
  lines.push('', '## Checker errors by code', '');
  const errors = Object.entries(counters.errors_by_code).sort();
  lines.push(...(errors.length === 0 ? ['None.'] : errors.map(([code, n]) => `- \`${code}\`: ${n}`)));
  if (summary.problems_with_only_errors.length > 0) lines.push('', `Problems whose every check failed: ${summary.problems_with_only_errors.map((id) => `\`${id}\``).join(', ')}.`);
  lines.push('', '## Decontamination', '', `${summary.held_out.problems} problems held out of training exports (evaluation sets, or an exact normalised-statement match with one).`);
  for (const [reason, n] of Object.entries(summary.held_out.by_reason).sort()) lines.push(`- \`${reason}\`: ${n}`);
  lines.push('', '## Tokens and cost', '', `Input ${counters.tokens.input}, output ${counters.tokens.output} tokens (paid in this run: ${counters.tokens.paid_input} / ${counters.tokens.paid_output}). Estimated cost: ${summary.estimated_cost_usd === null ? 'no price configured' : `$${summary.estimated_cost_usd.toFixed(4)}`}.`);
  lines.push('', '## Provenance', '', `- run id \`${input.runId}\`, config hash \`${input.configHash}\``, `- models: ${input.models.map((m) => `\`${m}\``).join(', ') || 'none'}`);
  lines.push(`- Lean \`${input.toolchain.lean}\`, Mathlib \`${input.toolchain.mathlib_rev ?? 'none'}\`, checker \`${input.toolchain.checker_version}\`, policy \`${input.policy.name}@${input.policy.version}\``);
  lines.push('', '## Files', '', '| export | format | split | parts | rows |', '|---|---|---|---|---|');
  for (const s of series(input.parts)) lines.push(`| ${s.export} | ${s.format} | ${s.split ?? 'all'} | ${s.parts} | ${s.rows} |`);
  lines.push('', '## Loading', '', ...LOADING);
  return lines.join('\n') + '\n';
}

const LOADING = [
  '- Hugging Face / TRL SFT: `load_dataset("parquet", data_files={"train": "sft/hf/data/train-*.parquet"})` — a `messages` column (assistant `reasoning_content` + `content`) for `SFTTrainer`; `messages_think_inline` has the reasoning inlined as `<think>…</think>` for templates without a reasoning field.',
  '- Amazon Nova SFT / DPO (`bedrock-conversation-2024`): `gunzip` `sft/nova/train-*.jsonl.gz` (or `preference/nova/`) and upload the `.jsonl` to S3 for the customization job. Completions whose reasoning the API redacted carry no reasoning block.',
  '- OpenAI fine-tuning: `gunzip` `sft/openai/*.jsonl.gz` (reasoning inlined as `<think>`) or `preference/openai/*.jsonl.gz` (DPO) and upload.',
  '- TRL DPO: `load_dataset("json", data_files="preference/trl/train-*.jsonl.gz")` (`prompt`, `chosen`, `rejected`).',
  '- verl: `data.train_files=rl-prompts/verl/data/train-*.parquet` (`reward_model.ground_truth` = problem id for the proofline reward service).',
  '- OpenRLHF: `--prompt_data json@rl-prompts/openrlhf --input_key input --label_key label --apply_chat_template`.',
  '- Bedrock reinforcement fine-tuning: `gunzip` `rl-prompts/bedrock-rft/*.jsonl.gz` (`messages`, `reference_answer`).',
  '- Rewards: `rewards/` has one record per candidate; keep `status == "scored"` (reward 1/0); `status == "error"` has `reward: null` and is not a failure.',
];

interface Series { export: string; format: string; dir: string; split: string | null; parts: number; rows: number }

function series(parts: readonly CardPart[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const p of parts) {
    const id = `${p.dir}\u0000${p.split ?? ''}`;
    const s = byKey.get(id) ?? { export: p.export, format: p.format, dir: p.dir, split: p.split, parts: 0, rows: 0 };
    s.parts++;
    s.rows += p.rows;
    byKey.set(id, s);
  }
  return [...byKey.values()].sort((a, b) => (a.dir === b.dir ? (a.split ?? '').localeCompare(b.split ?? '') : a.dir.localeCompare(b.dir)));
}

const DEFAULT_DIR = 'sft/hf/data';

/** `configs:` YAML: one config per directory, its splits' globs; `default` is the HF SFT Parquet. */
function configsYaml(parts: readonly CardPart[]): string[] {
  const byDir = new Map<string, Series[]>();
  for (const s of series(parts)) byDir.set(s.dir, [...(byDir.get(s.dir) ?? []), s]);
  const out = ['configs:'];
  const dirs = [...byDir.keys()].sort((a, b) => Number(b === DEFAULT_DIR) - Number(a === DEFAULT_DIR) || a.localeCompare(b));
  for (const dir of dirs) {
    const list = byDir.get(dir)!;
    const name = dir === DEFAULT_DIR ? 'default' : dir.replaceAll('/', '-');
    out.push(`- config_name: ${name}`, '  data_files:');
    for (const s of list) {
      const split = s.split ?? 'candidates';
      const glob = s.split === null ? `${dir}/*` : `${dir}/${s.split}-*`;
      out.push(`  - split: ${split}`, `    path: ${JSON.stringify(glob)}`);
    }
  }
  return out.length === 1 ? ['configs: []'] : out;
}
