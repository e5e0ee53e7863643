import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { createBwrapDriver } from '../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import type { SandboxDriver, SandboxSpec } from '../../../pipeline/lean/sandbox/sandbox-driver.ts';

/** The Node 24 binary running the tests; the fixtures are plain JS run by it, inside the sandbox too. */
export const NODE = realpathSync(process.execPath);
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/bin');
export const REPO_ROOT = resolve(FIXTURES, '../../..');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/**
 * bwrap suites fail loudly when bwrap cannot work (their beforeAll calls assertAvailable), unless
 * PROOFLINE_SKIP_BWRAP_TESTS=1 says to skip them; then they are skipped with the reason printed.
 */
export const isBwrapSkipped = process.env.PROOFLINE_SKIP_BWRAP_TESTS === '1';
export const describeBwrap = isBwrapSkipped ? describe.skip : describe;
if (isBwrapSkipped) console.warn('[sandbox tests] PROOFLINE_SKIP_BWRAP_TESTS=1: bwrap suites are skipped; sandbox confinement is NOT tested');

export interface DriverCase {
  name: string;
  create: () => SandboxDriver;
  describe: typeof describe | typeof describe.skip;
}
export const DRIVER_CASES: DriverCase[] = [
  { name: 'bwrap', create: () => createBwrapDriver(), describe: describeBwrap },
  { name: 'none', create: () => createNoneDriver(), describe },
];

/** A fresh private temp dir (realpath), removed by the returned cleanup. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `proofline-${prefix}-`)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a Node fixture needs: Node and the fixtures read-only, `workDir` writable and cwd. */
export function nodeSpec(workDir: string, overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    readOnlyPaths: [dirname(dirname(NODE)), FIXTURES],
    writablePaths: [workDir],
    cwd: workDir,
    env: { PATH: '/usr/bin:/bin', HOME: '/root' },
    memoryLimitMb: 2048,
    cpuLimitSeconds: null,
    ...overrides,
  };
}

export function uniqueToken(label: string): string {
  return `proofline-${label}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Live processes whose argv contains `token`, found by scanning /proc directly (independent of the
 * parent-pid walk under test, so reparented orphans are found too).
 */
export function processesWithToken(token: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(token)) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Polls (there is no event for "a process elsewhere died") until `check` holds or `timeoutMs` passes. */
export async function eventually<T>(read: () => T, check: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 50));
    value = read();
  }
  return value;
}
