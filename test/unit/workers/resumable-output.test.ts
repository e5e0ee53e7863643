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

const line = (id: string, kind: string, key?: string): string => `${JSON.stringify({ id, kind, ...(key === undefined ? {} : { resume_key: key }) })}\n`;
const idsIn = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);

async function closed(output: { stream: NodeJS.WritableStream & { on: (event: 'close', listener: () => void) => unknown } }, text = ''): Promise<void> {
  await new Promise<void>((resolve) => {
    output.stream.on('close', () => resolve());
    output.stream.end(text);
  });
}

describe('openResumableOutput', () => {
  it('reports final ids done, cuts a torn last line and removes error lines so a rerun leaves no duplicate', async () => {
    const file = await outFile(`${line('a', 'accepted', 'k')}${line('b', 'error', 'k')}${line('c', 'rejected', 'k')}{"id":"d","ki`);
    const output = await openResumableOutput(file, ['accepted', 'rejected'], new Map([['a', 'k'], ['b', 'k'], ['c', 'k'], ['d', 'k']]));
    expect([...output.doneIds].sort()).toEqual(['a', 'c']);
    await closed(output, line('b', 'accepted', 'k'));
    expect(await idsIn(file)).toEqual(['a', 'c', 'b']);
  });

  it('redoes a line whose resume key differs or is missing (an older file), and drops it so no id is written twice', async () => {
    const file = await outFile(`${line('same', 'accepted', 'k1')}${line('changed', 'rejected', 'old')}${line('legacy', 'accepted')}`);
    const output = await openResumableOutput(file, ['accepted', 'rejected'], new Map([['same', 'k1'], ['changed', 'k2'], ['legacy', 'k3']]));
    expect([...output.doneIds]).toEqual(['same']);
    expect([...output.staleIds].sort()).toEqual(['changed', 'legacy']);
    expect(await idsIn(file)).toEqual(['same']);
    await closed(output, line('changed', 'accepted', 'k2') + line('legacy', 'rejected', 'k3'));
    expect(await idsIn(file)).toEqual(['same', 'changed', 'legacy']);
  });

  it('keeps one line per id even when the file already holds several: the matching one for ids of this run, the last one for others', async () => {
    const file = await outFile(`${line('a', 'rejected', 'old')}${line('other', 'accepted', 'x')}${line('a', 'accepted', 'k')}${line('a', 'accepted', 'k')}${line('other', 'rejected', 'y')}`);
    const output = await openResumableOutput(file, ['accepted', 'rejected'], new Map([['a', 'k']]));
    expect([...output.doneIds]).toEqual(['a']);
    await closed(output);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; resume_key: string });
    expect(lines.map((l) => [l.id, l.resume_key]).sort()).toEqual([['a', 'k'], ['other', 'y']]);
  });

  it('starts an absent file empty', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'proofline-out-')), 'new.jsonl');
    const output = await openResumableOutput(file, ['accepted'], new Map());
    expect(output.doneIds.size).toBe(0);
    output.stream.end();
    expect(output.writeError()).toBeNull();
  });
});
