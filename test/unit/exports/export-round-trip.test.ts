import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { EXPORT_TARGETS, type ExportName, problemExportRows } from '../../../pipeline/exports/export-catalog.ts';
import { decodeJsonlGz } from '../../../pipeline/exports/jsonl-gz.ts';
import { encodePart } from '../../../pipeline/exports/part-writer.ts';
import { makeRecord } from './canonical-fixtures.ts';

const config = {
  sft: { enabled: true, max_per_problem: null, dedup_identical_proofs: true },
  preference: { enabled: true, max_per_problem: null, dedup_identical_proofs: true },
  rl_prompts: { enabled: true },
};
const records = [
  makeRecord({ index: 0, outcome: { accepted: true }, reasoning: 'Because n = 2.' }),
  makeRecord({ index: 1, outcome: { rejected: 'lean_error' } }),
  makeRecord({ index: 2, outcome: { accepted: true }, reasoning: null }),
  makeRecord({ index: 3, outcome: { error: 'LEAN_CRASHED' } }),
];

/** The fields each format's loader requires (trainer-interfaces.md §1.1, §3). */
const REQUIRED: Record<ExportName, string[]> = {
  'sft-hf': ['messages', 'messages_think_inline', 'formal_statement'],
  'sft-nova': ['schemaVersion', 'messages'],
  'sft-openai': ['messages'],
  'preference-trl': ['prompt', 'chosen', 'rejected'],
  'preference-nova': ['schemaVersion', 'messages'],
  'preference-openai': ['input', 'preferred_output', 'non_preferred_output'],
  'rl-verl': ['data_source', 'prompt', 'ability', 'reward_model', 'extra_info'],
  'rl-openrlhf': ['input', 'label'],
  'rl-bedrock-rft': ['messages', 'reference_answer'],
};

const bigintToNumber = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));

describe('exports encode and parse back', () => {
  const exported = problemExportRows(records, config, 0)!;

  it('derive the expected row counts per problem', () => {
    expect(exported.split).toBe('train');
    expect(Object.fromEntries([...exported.rows].map(([name, rows]) => [name, rows.length]))).toEqual({
      'sft-hf': 2, 'sft-nova': 2, 'sft-openai': 2, 'preference-trl': 1, 'preference-nova': 1, 'preference-openai': 1, 'rl-verl': 1, 'rl-openrlhf': 1, 'rl-bedrock-rft': 1,
    });
  });

  for (const target of EXPORT_TARGETS) {
    it(`${target.export} as ${target.format} (${target.dir}) round-trips with its required fields`, async () => {
      const rows = exported.rows.get(target.export)!;
      const bytes = await encodePart(target.encoder(), rows);
      let back: unknown[];
      if (target.format === 'parquet') {
        expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
        expect(Number(parquetMetadata(bytes.buffer as ArrayBuffer).num_rows)).toBe(rows.length);
        back = bigintToNumber(await parquetReadObjects({ file: bytes.buffer as ArrayBuffer })) as unknown[];
      } else {
        back = decodeJsonlGz(bytes);
      }
      expect(back).toEqual(rows);
      for (const row of back) for (const field of REQUIRED[target.export]) expect(row, field).toHaveProperty(field);
    });
  }

  it('verl parquet keeps prompt as a list of chat messages and reward_model as a struct (not JSON strings)', async () => {
    const target = EXPORT_TARGETS.find((t) => t.export === 'rl-verl' && t.format === 'parquet')!;
    const file = (await encodePart(target.encoder(), exported.rows.get('rl-verl')!)).buffer as ArrayBuffer;
    const [row] = (await parquetReadObjects({ file })) as { prompt: unknown; reward_model: unknown }[];
    expect(row!.prompt).toEqual([{ role: 'system', content: 'You are a Lean 4 expert.' }, { role: 'user', content: records[0]!.prompt.user }]);
    expect(row!.reward_model).toEqual({ style: 'rule', ground_truth: 'p1' });
  });

  it('disabled exports get no rows; held-out problems only empty lists', () => {
    const off = problemExportRows(records, { ...config, sft: { ...config.sft, enabled: false } }, 0)!;
    expect(off.rows.has('sft-hf')).toBe(false);
    const heldOut = problemExportRows(records.map((r) => ({ ...r, held_out: { reason: 'eval_split' as const, detail: 'x' } })), config, 0)!;
    expect([...heldOut.rows.values()].every((rows) => rows.length === 0)).toBe(true);
  });
});
