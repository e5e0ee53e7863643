import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOME } from '../../fixtures/recorded-lean/lib/home.ts';

const BIN = path.join(HOME, 'bin');
const EXAMPLES = path.join(HOME, 'examples');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recorded-lean-l3-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function runBin(bin: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(path.join(BIN, bin), args, { cwd: tmp, env: { ...process.env, RECORDED_LEAN_RECORDINGS: EXAMPLES, LEAN_PATH: tmp, ...env } }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** L3 as the checker runs it: compile Candidate (no audit line) and Reference (statement with sorry) with -o. */
async function compile(body: string, statement: string): Promise<void> {
  for (const [name, text] of [['Candidate', body], ['Reference', statement]] as const) {
    const file = path.join(tmp, `${name}.lean`);
    fs.writeFileSync(file, `\n\n${text}`);
    const run = await runBin('lean', ['--json', '-R', tmp, '-o', path.join(tmp, `${name}.olean`), file]);
    expect(run.code, `${name}: ${run.stdout}${run.stderr}`).toBe(0);
  }
}

async function audit(target: string, env: Record<string, string> = {}): Promise<{ code: number | null; report: unknown }> {
  const run = await runBin('proofline-audit', ['--candidate', 'Candidate', '--reference', 'Reference', '--target', target], env);
  return { code: run.code, report: run.code === 0 ? JSON.parse(run.stdout) : null };
}

describe('leanchecker and proofline-audit derived from recordings', () => {
  it('passes an honest proof: kernel replay ok, theorem found, type matches, no axioms', async () => {
    await compile('theorem two_eq : 1 + 1 = 2 := by\n  decide', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    expect(await runBin('leanchecker', ['Candidate'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await audit('two_eq')).toEqual({
      code: 0,
      report: {
        target: 'two_eq', found: true, kind: 'theorem', type_matches: true, constants_mismatched: [], axioms: [],
        imports_match: true, extra_imports: [], missing_imports: [],
      },
    });
  });

  it('reports the recorded #print axioms closure (native_decide)', async () => {
    await compile('theorem big : 2 ^ 10 = 1024 := by\n  native_decide', 'theorem big : 2 ^ 10 = 1024 := by sorry');
    const { report } = await audit('big');
    expect(report).toMatchObject({ found: true, type_matches: true, axioms: ['Lean.ofReduceBool', 'Lean.trustCompiler'] });
  });

  it('says type_matches false when the candidate declares the target with another statement', async () => {
    await compile('theorem two_eq : True := by\n  trivial', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    expect((await audit('two_eq')).report).toMatchObject({ found: true, kind: 'theorem', type_matches: false });
  });

  it('says found false for a target the candidate does not declare', async () => {
    await compile('theorem two_eq : 1 + 1 = 2 := by\n  decide', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    expect((await audit('three_eq')).report).toMatchObject({ target: 'three_eq', found: false, kind: null, type_matches: false });
  });
});

describe('proofline-audit imports', () => {
  it('derives the import fields from the headers: the implicit Init plus each `import` line', async () => {
    const { chainImports, compareImports } = await import('../../fixtures/recorded-lean/lib/audit-main.ts');
    expect(chainImports(['import Mathlib\nimport Aesop', 'theorem t : True := trivial'])).toEqual(['Init', 'Mathlib', 'Aesop']);
    expect(chainImports(['prelude\nimport Init.Core', 'x'])).toEqual(['Init.Core']);
    expect(compareImports(['Init', 'Mathlib', 'Planted'], ['Init', 'Mathlib', 'Aesop'])).toEqual({ imports_match: false, extra_imports: ['Planted'], missing_imports: ['Aesop'] });
  });
});

describe('leanchecker and proofline-audit from a sidecar', () => {
  it('takes the kernel verdict and the audit line verbatim from NAME.audit.json', async () => {
    await compile('theorem fooled : 1 + 1 = 3 := by\n  exact fooled_aux', 'theorem fooled : 1 + 1 = 3 := by sorry');
    const checker = await runBin('leanchecker', ['Candidate']);
    expect(checker.code).toBe(1);
    expect(checker.stderr).toContain('(kernel) declaration type mismatch');
    expect((await audit('fooled')).report).toEqual({
      target: 'fooled', found: true, kind: 'theorem', type_matches: false, constants_mismatched: ['fooled'], axioms: ['propext'],
      imports_match: true, extra_imports: [], missing_imports: [],
    });
  });
});

describe('missing or foreign oleans', () => {
  it('leanchecker exits 1 when the module is not on LEAN_PATH', async () => {
    const run = await runBin('leanchecker', ['Candidate']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('uncaught exception: Could not find any oleans for: Candidate\n');
  });

  it('proofline-audit exits 1 when an olean is missing', async () => {
    await compile('theorem two_eq : 1 + 1 = 2 := by\n  decide', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    fs.rmSync(path.join(tmp, 'Reference.olean'));
    expect((await audit('two_eq')).code).toBe(1);
  });

  it('leanchecker exits 1 on an olean that recorded-lean did not write, as a problem found in that module', async () => {
    fs.writeFileSync(path.join(tmp, 'Candidate.olean'), 'olean\u0000binary');
    const run = await runBin('leanchecker', ['Candidate']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^leanchecker found a problem in Candidate\nuncaught exception: failed to read file '.*Candidate\.olean', invalid header\n$/);
  });

  it.each([
    ['missing-olean', 1, /^uncaught exception: Could not find any oleans for: Candidate\n$/],
    ['out-of-memory', 1, /^INTERNAL PANIC: out of memory\n$/],
    ['kernel-limit', 1, /^leanchecker found a problem in Candidate\nuncaught exception: \(kernel\) deep recursion detected\n$/],
    ['stack-overflow', null, /^Stack overflow detected\. Aborting\.\n$/],
  ] as const)('leanchecker fails a candidate module without a kernel error on RECORDED_LEAN_LEANCHECKER_FAULT=%s, and replays the reference cleanly', async (fault, code, stderr) => {
    await compile('theorem two_eq : 1 + 1 = 2 := by\n  decide', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    const run = await runBin('leanchecker', ['Candidate'], { RECORDED_LEAN_LEANCHECKER_FAULT: fault });
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code });
    expect(run.stderr).toMatch(stderr);
    expect(await runBin('leanchecker', ['Reference'], { RECORDED_LEAN_LEANCHECKER_FAULT: fault })).toMatchObject({ code: 0 });
  });

  it('faults only the first RECORDED_LEAN_FAULT_TIMES runs counted in RECORDED_LEAN_FAULT_COUNTER', async () => {
    await compile('theorem two_eq : 1 + 1 = 2 := by\n  decide', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    const env = { RECORDED_LEAN_LEANCHECKER_FAULT: 'out-of-memory', RECORDED_LEAN_FAULT_COUNTER: path.join(tmp, 'count'), RECORDED_LEAN_FAULT_TIMES: '1' };
    expect((await runBin('leanchecker', ['Candidate'], env)).code).toBe(1);
    expect((await runBin('leanchecker', ['Candidate'], env)).code).toBe(0);
  });

  it('proofline-audit exits non-zero on its process-wide crash fault', async () => {
    await compile('theorem two_eq : 1 + 1 = 2 := by\n  decide', 'theorem two_eq : 1 + 1 = 2 := by sorry');
    const run = await runBin('proofline-audit', ['--candidate', 'Candidate', '--reference', 'Reference', '--target', 'two_eq'], {
      RECORDED_LEAN_FAULT: 'invalid-json-death',
    });
    expect(run.code).toBe(1);
    expect(() => JSON.parse(run.stdout)).toThrow();
  });
});
