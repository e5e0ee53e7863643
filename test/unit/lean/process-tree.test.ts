import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { killProcessTree, listProcessTree, readTreeRssMb } from '../../../pipeline/lean/process-tree.ts';

describe('process tree via /proc', () => {
  it('lists a child and its grandchild, and kill leaves none alive', async () => {
    const child = spawn('/bin/sh', ['-c', 'sleep 30 & echo started; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    await once(child.stdout!, 'data');
    const tree = listProcessTree(child.pid!);
    expect(tree[0]).toBe(child.pid);
    expect(tree.length).toBe(2);
    const exited = once(child, 'exit');
    expect(killProcessTree(child.pid!, child.pid!).sort()).toEqual([...tree].sort());
    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(listProcessTree(child.pid!)).toEqual([]);
  });

  it('measures this process tree’s RSS and a missing one as 0', async () => {
    expect(await readTreeRssMb(process.pid)).toBeGreaterThan(10);
    expect(await readTreeRssMb(2 ** 22 + 1)).toBe(0);
    expect(listProcessTree(2 ** 22 + 1)).toEqual([]);
  });
});
