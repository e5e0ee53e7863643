import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../pipeline/errors.ts';
import type { Sink } from '../../pipeline/sinks/sink.ts';

export interface OpenedSink {
  sink: Sink;
  close: () => Promise<void>;
}

export interface SinkContractOptions {
  /** Size of the "large object" case; make it exceed the implementation's multipart threshold. */
  largeObjectBytes?: number;
}

/** Keys every sink must refuse with INPUT_INVALID, and why. */
export const INVALID_KEYS: ReadonlyArray<[string, string]> = [
  ['', 'empty'],
  ['/abs/part.jsonl', 'absolute'],
  ['../escape.txt', 'parent segment first'],
  ['runs/../../escape.txt', 'parent segment inside'],
  ['runs/./x', 'dot segment'],
  ['runs//x', 'empty segment'],
  ['runs/x/', 'trailing slash (empty last segment)'],
  ['runs\\x', 'backslash'],
  ['runs/\u0000x', 'NUL'],
  ['runs/.proofline-tmp-abc', 'reserved temp-file prefix'],
];

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));

/**
 * The Sink contract (pipeline/sinks/sink.ts), registered once per implementation. `openSink`
 * returns a fresh, empty sink for every test (a tmp dir, a fresh bucket).
 */
export function defineSinkContract(name: string, openSink: () => Promise<OpenedSink>, options: SinkContractOptions = {}): void {
  const largeObjectBytes = options.largeObjectBytes ?? 6 * 1024 * 1024;

  describe(`Sink contract: ${name}`, () => {
    let opened: OpenedSink;
    let sink: Sink;
    beforeEach(async () => {
      opened = await openSink();
      sink = opened.sink;
    });
    afterEach(async () => {
      await opened.close();
    });

    it('returns what was put, byte for byte, and null for a key never written', async () => {
      const bytes = new Uint8Array([0, 1, 2, 255, 10, 13, 0x1f, 0x8b]);
      await sink.put('runs/r1/records/part-00000.jsonl.gz', bytes, { contentType: 'application/gzip' });
      await sink.put('runs/r1/stats.json', '{"ok":true}\n', { contentType: 'application/json' });
      expect(await sink.get('runs/r1/records/part-00000.jsonl.gz')).toEqual(bytes);
      expect(text(await sink.get('runs/r1/stats.json'))).toBe('{"ok":true}\n');
      expect(await sink.get('runs/r1/missing.json')).toBeNull();
      expect(await sink.get('runs/r1')).toBeNull();
    });

    it('stores an empty object as an object', async () => {
      const result = await sink.put('empty.txt', '');
      expect(result).toEqual({ key: 'empty.txt', bytes: 0, sha256: sha256('') });
      expect(await sink.get('empty.txt')).toEqual(new Uint8Array());
      expect(await sink.list('')).toEqual(['empty.txt']);
    });

    it('reports bytes and sha256 of exactly the bytes stored (UTF-8 for strings)', async () => {
      const body = 'théorème ∀ n, n + 0 = n 🎉\n';
      const result = await sink.put('runs/r1/README.md', body);
      const stored = await sink.get('runs/r1/README.md');
      expect(result).toEqual({ key: 'runs/r1/README.md', bytes: Buffer.byteLength(body, 'utf8'), sha256: sha256(Buffer.from(body, 'utf8')) });
      expect(sha256(stored!)).toBe(result.sha256);
      expect(stored!.byteLength).toBe(result.bytes);
    });

    it('replaces an object on overwrite (a shorter body leaves no tail of the longer one)', async () => {
      await sink.put('latest.json', '{"run":"2025-01-01-aaaaaaaa","padding":"xxxxxxxxxxxxxxxx"}');
      const second = await sink.put('latest.json', '{"run":"b"}');
      expect(text(await sink.get('latest.json'))).toBe('{"run":"b"}');
      expect(second.sha256).toBe(sha256('{"run":"b"}'));
      expect(await sink.list('')).toEqual(['latest.json']);
    });

    it('lists recursively and sorted, by key prefix, without the root prefix', async () => {
      const keys = ['runs/r2/manifest.json', 'runs/r1/records/part-00001.jsonl.gz', 'latest.json', 'runs/r1/records/part-00000.jsonl.gz', 'runs/r1/sft/trl/train.jsonl.gz', 'runs/r10/x', 'runs/r1/records-extra.txt'];
      await Promise.all(keys.map((key) => sink.put(key, key)));
      expect(await sink.list('')).toEqual([...keys].sort());
      expect(await sink.list('runs/r1/')).toEqual(['runs/r1/records-extra.txt', 'runs/r1/records/part-00000.jsonl.gz', 'runs/r1/records/part-00001.jsonl.gz', 'runs/r1/sft/trl/train.jsonl.gz']);
      expect(await sink.list('runs/r1/records/part-')).toEqual(['runs/r1/records/part-00000.jsonl.gz', 'runs/r1/records/part-00001.jsonl.gz']);
      // A prefix is a string prefix (as in S3), not a folder: `runs/r1` also matches `runs/r10/…`.
      expect(await sink.list('runs/r1')).toEqual(['runs/r1/records-extra.txt', 'runs/r1/records/part-00000.jsonl.gz', 'runs/r1/records/part-00001.jsonl.gz', 'runs/r1/sft/trl/train.jsonl.gz', 'runs/r10/x']);
      expect(await sink.list('runs/nothing/')).toEqual([]);
    });

    it('deletes an object, and deleting an absent one is no error', async () => {
      await sink.put('runs/r1/a.json', 'a');
      await sink.put('runs/r1/b.json', 'b');
      await sink.delete('runs/r1/a.json');
      await sink.delete('runs/r1/a.json');
      await sink.delete('never/written.json');
      expect(await sink.get('runs/r1/a.json')).toBeNull();
      expect(await sink.list('')).toEqual(['runs/r1/b.json']);
    });

    it(`round-trips a large object (${largeObjectBytes} bytes) intact`, async () => {
      const bytes = randomBytes(largeObjectBytes);
      const result = await sink.put('runs/r1/records/part-00000.jsonl.gz', bytes);
      expect(result).toEqual({ key: 'runs/r1/records/part-00000.jsonl.gz', bytes: largeObjectBytes, sha256: sha256(bytes) });
      const stored = await sink.get('runs/r1/records/part-00000.jsonl.gz');
      expect(stored!.byteLength).toBe(largeObjectBytes);
      expect(sha256(stored!)).toBe(sha256(bytes));
    });

    it('writes many objects concurrently without mixing them up', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `runs/r1/records/part-${String(i).padStart(5, '0')}.jsonl.gz`);
      const results = await Promise.all(keys.map((key) => sink.put(key, `body of ${key}`)));
      expect(results.map((r) => r.sha256)).toEqual(keys.map((key) => sha256(`body of ${key}`)));
      expect(await sink.list('runs/r1/records/')).toEqual(keys);
      for (const key of keys) expect(text(await sink.get(key))).toBe(`body of ${key}`);
    });

    it.each(INVALID_KEYS)('refuses key %j (%s) with INPUT_INVALID in put, get and delete, writing nothing', async (key) => {
      for (const call of [() => sink.put(key, 'x'), () => sink.get(key), () => sink.delete(key)]) {
        const error = await call().then(() => null, (e: unknown) => e);
        expect(isProoflineError(error, 'INPUT_INVALID'), String(error)).toBe(true);
        expect((error as Error).message).toContain(JSON.stringify(key));
      }
      expect(await sink.list('')).toEqual([]);
    });

    it.each([['/runs', 'absolute'], ['../', 'parent'], ['runs//', 'empty segment'], ['runs\\', 'backslash']])('refuses list prefix %j (%s) with INPUT_INVALID', async (prefix) => {
      const error = await sink.list(prefix).then(() => null, (e: unknown) => e);
      expect(isProoflineError(error, 'INPUT_INVALID'), String(error)).toBe(true);
    });
  });
}
