import { describe, expect, it } from 'vitest';
import { decodeJsonlGz, JsonlGzPart } from '../../../pipeline/exports/jsonl-gz.ts';
import { PartWriter } from '../../../pipeline/exports/part-writer.ts';

describe('PartWriter byte bound', () => {
  it('cuts a part when its rows reach maxPartBytes, so memory is bounded in bytes, not only rows', async () => {
    const objects = new Map<string, Uint8Array>();
    const writer = new PartWriter<{ text: string }>({
      keyPrefix: 'runs/r/records/part', extension: 'jsonl.gz', encoder: () => new JsonlGzPart(), rowsPerPart: 10_000, maxPartBytes: 10_000,
      put: async (key, body) => (objects.set(key, body), { key, bytes: body.byteLength, sha256: '0'.repeat(64) }),
    });
    const rows = Array.from({ length: 10 }, (_, i) => ({ text: `${i}`.repeat(3000) }));
    for (const row of rows) await writer.write(row);
    const parts = await writer.finish();
    // ~3 KB rows and a 10 KB bound: four rows per part at most, never 10,000.
    expect(parts.map((p) => p.rows)).toEqual([4, 4, 2]);
    expect(parts.flatMap((p) => decodeJsonlGz(objects.get(p.key)!))).toEqual(rows);
  });
});
