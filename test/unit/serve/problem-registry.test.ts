import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProblemRegistry } from '../../../pipeline/serve/problem-registry.ts';

let dir: string | undefined;
afterEach(async () => dir !== undefined && rm(dir, { recursive: true, force: true }));
const line = (id: string, header = '') => JSON.stringify({ id, header, formal_statement: `theorem ${id.replaceAll('-', '_')} : True := by sorry` });

describe('problem registry', () => {
  it('loads JSONL, .gz and directories, and looks ids up exactly (an id is never a path)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'proofline-registry-'));
    await writeFile(join(dir, 'a.jsonl'), `${line('p-1', 'import Mathlib')}\n\n${line('p-2', 'import Mathlib')}\n`);
    await writeFile(join(dir, 'b.jsonl.gz'), gzipSync(`${line('p-3')}\n`));
    await writeFile(join(dir, 'notes.txt'), 'not problems');
    const registry = await loadProblemRegistry([dir]);
    expect(registry.size).toBe(3);
    expect(registry.get('p-3')).toEqual({ header: '', formal_statement: 'theorem p_3 : True := by sorry' });
    expect(registry.get('a.jsonl')).toBeUndefined();
    expect(registry.get('../a')).toBeUndefined();
    expect(registry.get('__proto__')).toBeUndefined();
    expect(registry.mostCommonHeader()).toBe('import Mathlib');
  });

  it('stops the start on a bad line or a duplicate id, naming the file and line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'proofline-registry-'));
    await writeFile(join(dir, 'bad.jsonl'), `${line('p-1')}\n{"id": "p-2", "header": ""}\n`);
    await expect(loadProblemRegistry([join(dir, 'bad.jsonl')])).rejects.toThrow(/bad\.jsonl:2: `formal_statement`/u);
    await writeFile(join(dir, 'dup.jsonl'), `${line('p-1')}\n${line('p-1')}\n`);
    await expect(loadProblemRegistry([join(dir, 'dup.jsonl')])).rejects.toThrow(/dup\.jsonl:2: duplicate problem id `p-1`/u);
  });
});
