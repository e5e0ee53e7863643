import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'kill-nine-child.ts');
const PROBLEMS = 300;

let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-kill9-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const lines = (name: string): string[] => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').split('\n').filter((l) => l !== '') : []);
const repeats = (name: string): number => {
  const all = lines(name);
  return all.length - new Set(all).size;
};

/** Runs the child build; with `killAfterChecks`, SIGKILLs it once that many checks are logged. */
async function runChild(killAfterChecks: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, [CHILD, dir, String(PROBLEMS), 'L2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let poll: NodeJS.Timeout | undefined;
  if (killAfterChecks !== null) {
    poll = setInterval(() => {
      if (lines('checked.log').length >= killAfterChecks) child.kill('SIGKILL');
    }, 5);
  }
  try {
    return { ...(await exited), stdout };
  } finally {
    clearTimeout(deadline);
    clearInterval(poll);
  }
}

describe('kill -9 mid-build, then the same build again', () => {
  it('no proof checked by Lean twice and no completion paid for twice', { timeout: 150_000 }, async () => {
    const killed = await runChild(200);
    expect(killed.signal).toBe('SIGKILL');
    const checkedBeforeKill = lines('checked.log').length;
    expect(checkedBeforeKill).toBeGreaterThanOrEqual(200);
    expect(checkedBeforeKill).toBeLessThan(PROBLEMS * 4); // killed mid-run, not after it

    const rerun = await runChild(null);
    expect(rerun).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(rerun.stdout)).toEqual({ fatal: null });
    expect(new Set(lines('checked.log')).size).toBe(PROBLEMS * 4);
    expect(repeats('checked.log')).toBe(0);
    expect(repeats('paid.log')).toBe(0);
  });
});
