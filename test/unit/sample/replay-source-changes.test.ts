import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadReplaySampler } from '../../../pipeline/sample/replay-sampler.ts';
import type { Sampler } from '../../../pipeline/sample/sampler.ts';

const prompt = { version: 'v', system: 's', user: 'u', estimatedTokens: 1 };
const problem = (id: string) => ({ id, header: '', formal_statement: `theorem ${id} : True := by sorry` });
const send = (sampler: Sampler, id: string, sampleIndex: number) =>
  sampler.send(sampler.prepare({ problem: problem(id), sampleIndex, prompt }), new AbortController().signal);
const row = (problemId: string, text: string, model = 'm1') => `${JSON.stringify({ problem_id: problemId, model, text })}\n`;
const config = { sources: [{ path: 'r.jsonl', text_field: 'text', lean_file: false }] };
/** A fixed whole-second mtime, so a rewrite can put back exactly what the sampler saw at load. */
const MTIME = 1_700_000_000;

let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-replay-change-'))));
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function writeSource(body: string): Promise<string> {
  const path = join(dir, 'r.jsonl');
  await writeFile(path, body);
  await utimes(path, MTIME, MTIME);
  return path;
}

describe('replay sampler: a source changed after load is never read as another row', () => {
  it('a row rewritten in place for another problem (same length, same size and mtime) is REPLAY_MISSING naming file and line', async () => {
    await writeSource(row('pa', 'answer A') + row('pb', 'answer B'));
    const sampler = await loadReplaySampler(config, { cwd: dir });
    try {
      // The two rows swapped: equal lengths, so every indexed offset now holds the other problem's row.
      const path = await writeSource(row('pb', 'answer B') + row('pa', 'answer A'));
      expect((await stat(path)).mtimeMs).toBe(MTIME * 1000);
      const failure = send(sampler, 'pa', 0);
      await expect(failure).rejects.toMatchObject({ code: 'REPLAY_MISSING', details: { file: 'r.jsonl', line: 1 } });
      await expect(failure).rejects.toThrow(/r\.jsonl:1: the replay source changed since it was loaded \(the row is for problem "pb"/u);
    } finally {
      await sampler.close();
    }
  });

  it('a row whose model changed (same length, same size and mtime) is REPLAY_MISSING', async () => {
    await writeSource(row('pa', 'answer A', 'm1'));
    const sampler = await loadReplaySampler(config, { cwd: dir });
    try {
      await writeSource(row('pa', 'answer A', 'm2'));
      await expect(send(sampler, 'pa', 0)).rejects.toThrow(/r\.jsonl:1: .*model is "m2", indexed as "m1"/u);
    } finally {
      await sampler.close();
    }
  });

  it('a source whose size or mtime changed is REPLAY_MISSING even when the row itself still reads the same', async () => {
    await writeSource(row('pa', 'answer A') + row('pb', 'answer B'));
    const sampler = await loadReplaySampler(config, { cwd: dir });
    try {
      expect((await send(sampler, 'pb', 0)).text).toBe('answer B');
      await writeSource(row('pa', 'answer A') + row('pb', 'answer B') + row('pc', 'answer C')); // appended: size differs
      await expect(send(sampler, 'pb', 0)).rejects.toMatchObject({ code: 'REPLAY_MISSING', message: expect.stringMatching(/^r\.jsonl:2: .*size \d+ → \d+ bytes/u) });
      await writeSource(row('pa', 'answer A') + row('pb', 'answer B'));
      await utimes(join(dir, 'r.jsonl'), MTIME, MTIME + 5); // same bytes, touched
      await expect(send(sampler, 'pb', 0)).rejects.toThrow(/r\.jsonl:2: .*mtime/u);
    } finally {
      await sampler.close();
    }
  });
});

describe('replay sampler indexing is linear in a row’s length', () => {
  it('indexes a 32 MiB line copying it about once (not once per 1 MiB chunk)', { timeout: 10_000 }, async () => {
    const text = 'x'.repeat(32 << 20);
    const body = row('small', 'a') + row('big', text) + row('after', 'b');
    await writeSource(body);
    const concat = vi.spyOn(Buffer, 'concat');
    const sampler = await loadReplaySampler(config, { cwd: dir });
    const copied = concat.mock.results.reduce((sum, result) => sum + (result.value as Buffer).length, 0);
    concat.mockRestore();
    try {
      // Joining the 32 pieces once copies ~32 MiB; joining carry + chunk at every chunk copied ~16x that.
      expect(copied).toBeLessThan(2 * Buffer.byteLength(body));
      expect((await send(sampler, 'big', 0)).text.length).toBe(text.length);
      expect((await send(sampler, 'after', 0)).text).toBe('b');
      expect(sampler.prepare({ problem: problem('after'), sampleIndex: 0, prompt }).body).toMatchObject({ origin: 'r.jsonl:3' });
    } finally {
      await sampler.close();
    }
  });
});
