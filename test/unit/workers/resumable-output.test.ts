import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openResumableOutput } from '../../../workers/commands/resumable-output.ts';

async function outFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'proofline-out-')), 'verdicts.jsonl');
  await writeFile(file, text);
  return file;
}

describe('openResumableOutput', () => {
  it('reports final ids done, cuts a torn last line and removes error lines so a rerun leaves no duplicate', async () => {
    const file = await outFile('{"id":"a","kind":"accepted"}\n{"id":"b","kind":"error","error":{}}\n{"id":"c","kind":"rejected"}\n{"id":"d","ki');
    const output = await openResumableOutput(file, ['accepted', 'rejected']);
    expect([...output.doneIds].sort()).toEqual(['a', 'c']);
    output.stream.end('{"id":"b","kind":"accepted"}\n');
    await new Promise<void>((resolve) => output.stream.on('close', () => resolve()));
    const ids = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(['a', 'c', 'b']);
  });

  it('starts an absent file empty', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'proofline-out-')), 'new.jsonl');
    const output = await openResumableOutput(file, ['accepted']);
    expect(output.doneIds.size).toBe(0);
    output.stream.end();
    expect(output.writeError()).toBeNull();
  });
});
