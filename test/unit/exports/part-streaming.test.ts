import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { decodeJsonlGz, encodeJsonlGz, JsonlGzPart } from '../../../pipeline/exports/jsonl-gz.ts';
import { HF_SFT_FIELDS, VERL_FIELDS } from '../../../pipeline/exports/parquet-exports.ts';
import { encodeParquet, PARQUET_ROW_GROUP, ParquetPart } from '../../../pipeline/exports/parquet-schema.ts';
import { encodePart, type PartEncoder, PartWriter } from '../../../pipeline/exports/part-writer.ts';

const verlRow = (i: number, filler = '') => ({
  data_source: 'proofline',
  prompt: [{ role: 'user', content: `Prove ${i}. ${filler}` }],
  ability: 'lean4',
  reward_model: { style: 'rule', ground_truth: `p${i}` },
  extra_info: { problem_id: `p${i}`, formal_statement: `theorem t${i} : True := by sorry`, header: 'import Mathlib', split: 'train', index: i, sampled: 4, verified: i % 4 },
});

const bigintToNumber = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));

describe('streamed part encoders', () => {
  it('JsonlGzPart: the same bytes as encoding all rows at once, across many zlib chunks', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ i, text: `row ${i} ${'ℕ≤∀ '.repeat(i % 50)}` }));
    const streamed = await encodePart(new JsonlGzPart(), rows);
    expect(Buffer.from(streamed).equals(Buffer.from(encodeJsonlGz(rows)))).toBe(true);
    expect(decodeJsonlGz(streamed)).toEqual(rows);
  });

  it('ParquetPart: up to one row group, the same bytes as encodeParquet; beyond, 1,000-row groups that read back in order', async () => {
    const few = Array.from({ length: 40 }, (_, i) => verlRow(i));
    expect(Buffer.from(await encodePart(new ParquetPart(VERL_FIELDS), few)).equals(Buffer.from(encodeParquet(VERL_FIELDS, few)))).toBe(true);

    const many = Array.from({ length: 2500 }, (_, i) => verlRow(i));
    const bytes = await encodePart(new ParquetPart(VERL_FIELDS), many);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(parquetMetadata(file).row_groups.map((g) => Number(g.num_rows))).toEqual([1000, 1000, 500]);
    expect(bigintToNumber(await parquetReadObjects({ file }))).toEqual(many);
  });

  it('ParquetPart: a row group is also cut by the size of its rows, so large rows never pile up', async () => {
    const filler = 'x'.repeat(300_000);
    const rows = Array.from({ length: 16 }, (_, i) => verlRow(i, filler));
    const bytes = await encodePart(new ParquetPart(VERL_FIELDS), rows);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const perGroup = Math.ceil(PARQUET_ROW_GROUP.chars / JSON.stringify(rows[0]).length);
    const groups = parquetMetadata(file).row_groups.map((g) => Number(g.num_rows));
    expect(groups.every((n) => n <= perGroup)).toBe(true);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(16);
    expect(groups.length).toBeGreaterThan(1);
    expect(bigintToNumber(await parquetReadObjects({ file }))).toEqual(rows);
  });

  it('ParquetPart: the HF SFT schema streams too', async () => {
    const message = (role: string, content: string) => ({ role, content, reasoning_content: null });
    const row = (i: number) => ({
      id: `p${i}#0`, problem_id: `p${i}`, sample_index: 0, dataset: 'd', source: null, split: 'train',
      messages: [message('user', 'u'), message('assistant', `a${i}`)], messages_think_inline: [message('user', 'u'), message('assistant', `a${i}`)],
      informal_statement: null, header: 'h', formal_statement: 'f', lean_file: 'l', model: 'm', prompt_version: 'v', toolchain: 't', mathlib_rev: null,
      checker_version: 'c', policy: 'p', statement_hash: 's', proof_hash: 'q', run_id: 'r', verified: true,
    });
    const rows = Array.from({ length: 1200 }, (_, i) => row(i));
    const bytes = await encodePart(new ParquetPart(HF_SFT_FIELDS), rows);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(bigintToNumber(await parquetReadObjects({ file }))).toEqual(rows);
  });

  it('PartWriter hands each row to the part encoder as it is written (no row objects buffered) and waits on its backpressure', async () => {
    const events: string[] = [];
    let release!: () => void;
    const encoder = (): PartEncoder<{ i: number }> => ({
      add(row) {
        events.push(`add ${row.i}`);
        if (row.i !== 1) return 10;
        return new Promise<number>((resolve) => (release = () => resolve(10)));
      },
      async finish() {
        events.push('finish');
        return new Uint8Array([1]);
      },
    });
    const writer = new PartWriter({ keyPrefix: 'k', extension: 'jsonl.gz', encoder, rowsPerPart: 3, put: async (key, body) => ({ key, bytes: body.byteLength, sha256: '0'.repeat(64) }) });
    await writer.write({ i: 0 });
    expect(events).toEqual(['add 0']);
    let second = false;
    const pending = writer.write({ i: 1 }).then(() => void (second = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(second).toBe(false); // the encoder asked the producer to wait
    release();
    await pending;
    await writer.write({ i: 2 });
    expect(events).toEqual(['add 0', 'add 1', 'add 2', 'finish']);
    expect(await writer.finish()).toEqual([{ key: 'k-00000.jsonl.gz', bytes: 1, sha256: '0'.repeat(64), rows: 3 }]);
  });
});
