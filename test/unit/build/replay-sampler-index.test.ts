import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadReplaySampler } from '../../../pipeline/sample/replay-sampler.ts';
import type { Sampler } from '../../../pipeline/sample/sampler.ts';

/**
 * The replay sampler keeps an index (file, offset, length, line, model) per recorded row and reads
 * the text back when a sample is sent: a 100,000-candidate build holds a few MB, not every text.
 */
const prompt = { version: 'v', system: 's', user: 'u', estimatedTokens: 1 };
const problem = (id: string) => ({ id, header: '', formal_statement: `theorem ${id} : True := by sorry` });
const send = (sampler: Sampler, id: string, sampleIndex: number) => sampler.send(sampler.prepare({ problem: problem(id), sampleIndex, prompt }), new AbortController().signal);

let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-replay-index-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('replay sampler index', () => {
  it('finds every row across 1 MiB read chunks: long rows, CRLF, blank lines, multi-byte text, no final newline', async () => {
    const rows: { problem_id: string; text: string; model?: string }[] = [];
    for (let i = 0; i < 400; i += 1) rows.push({ problem_id: `p${i % 7}`, text: `attempt ${i} ∀ n : ℕ, n ≤ n ${'x'.repeat(i * 37)}`, ...(i % 3 === 0 ? { model: `m${i % 2}` } : {}) });
    rows.push({ problem_id: 'big', text: `huge ${'ℕ'.repeat(1_500_000)}` }); // one row longer than a read chunk
    rows.push({ problem_id: 'p0', text: 'last' });
    const lines = rows.map((row, i) => JSON.stringify(row) + (i % 5 === 0 ? '\r' : ''));
    lines.splice(10, 0, '', '   ');
    await writeFile(join(dir, 'r.jsonl'), lines.join('\n')); // no final newline
    const sampler = await loadReplaySampler({ sources: [{ path: 'r.jsonl', text_field: 'text', lean_file: false }] }, { cwd: dir });
    try {
      const seen = new Map<string, number>();
      for (const row of rows) {
        const k = seen.get(row.problem_id) ?? 0;
        seen.set(row.problem_id, k + 1);
        const completion = await send(sampler, row.problem_id, k);
        expect(completion.text).toBe(row.text);
        expect(completion.model).toBe(row.model ?? 'replay');
      }
      // The origin in the request body names the row's line in the file (blank lines counted).
      expect(sampler.prepare({ problem: problem('p0'), sampleIndex: 2, prompt }).body).toMatchObject({ origin: 'r.jsonl:17' });
      await expect(send(sampler, 'big', 1)).rejects.toMatchObject({ code: 'REPLAY_MISSING', details: { recorded: 1 } });
    } finally {
      await sampler.close();
    }
  });

  it('reads a sample’s text from the file when it is sent, not from memory; a source changed since load is REPLAY_MISSING', async () => {
    const path = join(dir, 'r.jsonl');
    await writeFile(path, `${JSON.stringify({ problem_id: 'a', text: 'first answer' })}\n`);
    const sampler = await loadReplaySampler({ sources: [{ path: 'r.jsonl', text_field: 'text', lean_file: false }] }, { cwd: dir });
    try {
      expect((await send(sampler, 'a', 0)).text).toBe('first answer');
      // Same length, other text, rewritten in place after loading: never sent as if it were the loaded row.
      await writeFile(path, `${JSON.stringify({ problem_id: 'a', text: 'other answer' })}\n`);
      await expect(send(sampler, 'a', 0)).rejects.toMatchObject({ code: 'REPLAY_MISSING', message: expect.stringContaining('r.jsonl:1: the replay source changed since it was loaded') });
      // A row that no longer parses is reported, not sent as an empty completion.
      await writeFile(path, `${'{'.repeat(JSON.stringify({ problem_id: 'a', text: 'first answer' }).length)}\n`);
      await expect(send(sampler, 'a', 0)).rejects.toThrow('r.jsonl:1: the replay source changed since it was loaded');
    } finally {
      await sampler.close();
    }
  });
});
