import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJsonlGz, JsonlGzPart } from '../../../pipeline/exports/jsonl-gz.ts';
import { PartWriter } from '../../../pipeline/exports/part-writer.ts';
import type { PutResult } from '../../../pipeline/sinks/sink.ts';

function memoryPut(): { objects: Map<string, Uint8Array>; events: string[]; put: (key: string, body: Uint8Array) => Promise<PutResult> } {
  const objects = new Map<string, Uint8Array>();
  const events: string[] = [];
  return {
    objects,
    events,
    async put(key, body) {
      events.push(`put ${key}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      objects.set(key, body);
      events.push(`done ${key}`);
      return { key, bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
    },
  };
}

const rows = Array.from({ length: 5 }, (_, i) => ({ i }));

describe('PartWriter', () => {
  it('writes parts of at most rowsPerPart rows under deterministic -NNNNN-of-MMMMM keys, with sha256 and row counts', async () => {
    const sink = memoryPut();
    const writer = new PartWriter({ keyPrefix: 'runs/r/sft/openai/train', extension: 'jsonl.gz', encoder: () => new JsonlGzPart(), rowsPerPart: 2, totalRows: 5, put: sink.put });
    for (const row of rows) await writer.write(row);
    const parts = await writer.finish();
    expect(parts.map((p) => [p.key, p.rows])).toEqual([
      ['runs/r/sft/openai/train-00000-of-00003.jsonl.gz', 2],
      ['runs/r/sft/openai/train-00001-of-00003.jsonl.gz', 2],
      ['runs/r/sft/openai/train-00002-of-00003.jsonl.gz', 1],
    ]);
    const back = parts.flatMap((p) => decodeJsonlGz(sink.objects.get(p.key)!));
    expect(back).toEqual(rows);
    for (const p of parts) expect(p.sha256).toBe(createHash('sha256').update(sink.objects.get(p.key)!).digest('hex'));
  });

  it('writes the same bytes under the same keys on a rerun (a retry overwrites, never duplicates)', async () => {
    const run = async (): Promise<[string, string][]> => {
      const writer = new PartWriter({ keyPrefix: 'x/train', extension: 'jsonl.gz', encoder: () => new JsonlGzPart(), rowsPerPart: 3, put: memoryPut().put });
      for (const row of rows) await writer.write(row);
      return (await writer.finish()).map((p) => [p.key, p.sha256]);
    };
    const first = await run();
    expect(first.map(([key]) => key)).toEqual(['x/train-00000.jsonl.gz', 'x/train-00001.jsonl.gz']);
    expect(await run()).toEqual(first);
  });

  it('makes the producer wait for a full part to be durable (bounded memory)', async () => {
    const sink = memoryPut();
    const writer = new PartWriter({ keyPrefix: 'k', extension: 'jsonl.gz', encoder: () => new JsonlGzPart(), rowsPerPart: 2, put: sink.put });
    await writer.write(rows[0]);
    expect(sink.events).toEqual([]);
    await writer.write(rows[1]);
    expect(sink.events).toEqual(['put k-00000.jsonl.gz', 'done k-00000.jsonl.gz']);
  });

  it('writes no part for no rows, and refuses a row count other than announced', async () => {
    expect(await new PartWriter({ keyPrefix: 'k', extension: 'parquet', encoder: () => new JsonlGzPart(), rowsPerPart: 2, put: memoryPut().put }).finish()).toEqual([]);
    const short = new PartWriter({ keyPrefix: 'k', extension: 'jsonl.gz', encoder: () => new JsonlGzPart(), rowsPerPart: 2, totalRows: 3, put: memoryPut().put });
    await short.write(rows[0]);
    await expect(short.finish()).rejects.toThrow('Expected 3 rows for k, got 1');
    const long = new PartWriter({ keyPrefix: 'k', extension: 'jsonl.gz', encoder: () => new JsonlGzPart(), rowsPerPart: 2, totalRows: 1, put: memoryPut().put });
    await long.write(rows[0]);
    await expect(long.write(rows[1])).rejects.toThrow('Expected 1 rows for k, got more');
  });
});
