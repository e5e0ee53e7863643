import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../../workers/command-context.ts';
import { runVerdictBatch, type VerdictLine } from '../../../workers/commands/verdict-batch.ts';

/** The batch runner behind `check` and `lint`: how it writes verdict lines. */
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function context(stdout: Writable): CommandContext {
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
  return { argv: [], env: {}, cwd: dir, stdout, stderr, signal: new AbortController().signal };
}

function inputFile(count: number): string {
  const lines = Array.from({ length: count }, (_, k) => JSON.stringify({ id: `p${k}`, header: '', formal_statement: `theorem t${k} : True := by sorry`, completion: 'by trivial' }));
  const path = join(dir, 'in.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const verdict = (k: number): VerdictLine => ({ kind: 'rejected', reason: 'lean_error', layer: 'L2', detail: `d${k}`, axioms: null, messages: [], elapsed_ms: 0, cached: false });

describe('runVerdictBatch output', () => {
  it('writes lines in input order in a few batched writes, not one write per line, all of them by the end', async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-batch-'));
    const writes: string[] = [];
    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        writes.push(chunk.toString());
        done();
      },
    });
    const { summary, exitCode } = await runVerdictBatch({
      context: context(stdout),
      inputPath: inputFile(300),
      outPath: null,
      skipInvalid: false,
      concurrency: 8,
      // Out of order completion: later ids often finish first.
      judge: async (input) => {
        const k = Number(input.id.slice(1));
        await new Promise((resolve) => setTimeout(resolve, (k * 7) % 5));
        return verdict(k);
      },
      doneKinds: ['accepted', 'rejected'],
      resumeKey: (input) => `key-${input.id}`,
    });
    expect(exitCode).toBe(0);
    expect(summary.byKind).toEqual({ rejected: 300 });
    const lines = writes.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; detail: string; resume_key: string });
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: 300 }, (_, k) => `p${k}`));
    expect(lines[7]).toMatchObject({ detail: 'd7', resume_key: 'key-p7' });
    expect(writes.length).toBeLessThan(100);
  });

  it('writes every line to --out before it returns', async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-batch-'));
    const out = join(dir, 'out.jsonl');
    await runVerdictBatch({
      context: context(new Writable({ write: (_chunk, _encoding, done) => done() })),
      inputPath: inputFile(50),
      outPath: out,
      skipInvalid: false,
      concurrency: 4,
      judge: async (input) => verdict(Number(input.id.slice(1))),
      doneKinds: ['accepted', 'rejected'],
      resumeKey: (input) => `key-${input.id}`,
    });
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(50);
  });
});
