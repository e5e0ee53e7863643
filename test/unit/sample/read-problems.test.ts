import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readProblemLines } from '../../../pipeline/sample/read-problems.ts';

let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-problems-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const good = (id: string): string => JSON.stringify({ id, header: '', formal_statement: `theorem ${id} : True := by sorry` });

async function file(lines: string[]): Promise<string> {
  const path = join(dir, 'problems.jsonl');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('readProblemLines', () => {
  test('reads valid lines and ignores blank ones', async () => {
    const { problems, skipped } = await readProblemLines(await file([good('a'), '', good('b')]), { skipInvalid: false });
    expect(problems.map((problem) => problem.id)).toEqual(['a', 'b']);
    expect(skipped).toEqual([]);
  });

  test('names the file and line of a bad line and what is wrong with it', async () => {
    const path = await file([good('a'), '', JSON.stringify({ id: 'b', header: '', formal_statement: 'theorem b : True := trivial' })]);
    await expect(readProblemLines(path, { skipInvalid: false })).rejects.toThrow(`${path}:3: \`formal_statement\`: expected a Lean statement ending in \`:= by sorry\``);
    await expect(readProblemLines(await file(['{not json']), { skipInvalid: false })).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { line: 1 } });
  });

  test('--skip-invalid reports bad lines (including a repeated id) and keeps the rest', async () => {
    const path = await file([good('a'), '[1,2]', good('a'), good('c')]);
    const { problems, skipped } = await readProblemLines(path, { skipInvalid: true });
    expect(problems.map((problem) => problem.id)).toEqual(['a', 'c']);
    expect(skipped.map((line) => line.line)).toEqual([2, 3]);
    expect(skipped[1]!.message).toContain('repeats line 1');
  });
});
