import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type CardPart, renderDatasetCard } from '../../../pipeline/build/dataset-card.ts';
import { RunStats } from '../../../pipeline/build/run-stats.ts';
import { makeRecord } from '../exports/canonical-fixtures.ts';

const stats = new RunStats();
for (const r of [makeRecord({ index: 0, outcome: { accepted: true } }), makeRecord({ index: 1, outcome: { rejected: 'timeout' } }), makeRecord({ index: 2, outcome: { error: 'LEAN_CRASHED' } })]) stats.recordCandidate(r);

const part = (exportName: string, format: CardPart['format'], dir: string, split: string | null, n: number): CardPart => ({
  export: exportName, format, dir, split, key: `${dir}/${split ?? 'part'}-0000${n}.${format}`, rows: 10, bytes: 100,
});
const parts = [
  part('sft-hf', 'parquet', 'sft/hf/data', 'train', 0), part('sft-hf', 'parquet', 'sft/hf/data', 'train', 1), part('sft-hf', 'parquet', 'sft/hf/data', 'validation', 0),
  part('rl-verl', 'parquet', 'rl-prompts/verl/data', 'train', 0), part('rewards', 'jsonl.gz', 'rewards', null, 0),
];
const card = renderDatasetCard({
  name: 'quickstart', runId: 'quickstart-20260101-abc', configHash: 'abc', models: ['replay:kimina'],
  toolchain: { lean: '4.33.0', mathlib_rev: null, checker_version: '0.1.0' }, policy: { name: 'strict', version: '1' },
  stats: stats.toJSON(), parts,
});

describe('renderDatasetCard', () => {
  it('declares HF configs with one data_files entry per split; default = the HF SFT parquet', () => {
    const front = parseYaml(card.split('---\n')[1]!) as { configs: { config_name: string; data_files: { split: string; path: string }[] }[] };
    expect(front.configs).toEqual([
      { config_name: 'default', data_files: [{ split: 'train', path: 'sft/hf/data/train-*' }, { split: 'validation', path: 'sft/hf/data/validation-*' }] },
      { config_name: 'rewards', data_files: [{ split: 'candidates', path: 'rewards/*' }] },
      { config_name: 'rl-prompts-verl-data', data_files: [{ split: 'train', path: 'rl-prompts/verl/data/train-*' }] },
    ]);
  });

  it('reports counts, pass@k, verdicts by layer, errors apart from rejections, provenance and loading', () => {
    expect(card).toContain('| accepted | 1 |');
    expect(card).toContain('| checker errors (no verdict; not counted as rejections) | 1 |');
    expect(card).toContain('| pass@1 (unbiased, mean over 1 problems) | 0.5000 |');
    expect(card).toContain('| L2 | timeout | 1 |');
    expect(card).toContain('- `LEAN_CRASHED`: 1');
    expect(card).toContain('policy `strict@1`');
    expect(card).toContain('| sft-hf | parquet | train | 2 | 20 |');
    expect(card).toContain('data.train_files=rl-prompts/verl/data/train-*.parquet');
  });
});
