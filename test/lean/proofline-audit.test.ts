import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Toolchain } from '../../pipeline/lean/toolchain.ts';
import { findRealToolchain } from './real-lean.setup.ts';

/**
 * The trusted auditor (lean-project/Proofline/Audit.lean) against real compiled modules. Runs only
 * where a real toolchain exists (test/lean/README.md); elsewhere it is skipped with the reason.
 */
const found = await findRealToolchain(process.env);
if ('skipReason' in found) console.warn(found.skipReason);
const toolchain: Toolchain | null = 'toolchain' in found ? found.toolchain : null;

const REFERENCE = 'theorem audit_target : (1 : Nat) + 1 = 2 := by sorry';
const CANDIDATES: Record<string, string> = {
  CandHonest: 'theorem audit_target : (1 : Nat) + 1 = 2 := by decide',
  CandSorry: 'theorem audit_target : (1 : Nat) + 1 = 2 := by sorry',
  CandOtherStatement: 'theorem audit_target : (2 : Nat) + 2 = 4 := by decide',
  CandInstance: 'instance (priority := high) sneakyAdd : Add Nat := ⟨fun a b => Nat.add a b⟩\n\ntheorem audit_target : (1 : Nat) + 1 = 2 := by decide',
  CandMissing: 'theorem something_else : (1 : Nat) + 1 = 2 := by decide',
  CandAxiom: 'axiom audit_target : (1 : Nat) + 1 = 2',
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let workDir: string;

function run(command: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const tc = toolchain!;
  const env = {
    PATH: `${join(tc.home, 'bin')}:/usr/bin:/bin`,
    LEAN_PATH: tc.leanPath.join(':'),
    HOME: workDir,
    ...extraEnv,
  };
  return new Promise((resolvePromise) => {
    execFile(command, args, { cwd: workDir, env, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

async function audit(candidate: string): Promise<Record<string, unknown>> {
  const result = await run(toolchain!.auditBin, ['--candidate', candidate, '--reference', 'Reference', '--target', 'audit_target', '--search-path', workDir]);
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe.skipIf(toolchain === null)('proofline-audit on real compiled modules', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'proofline-audit-'));
    const modules: Record<string, string> = { Reference: REFERENCE, ...CANDIDATES };
    for (const [name, text] of Object.entries(modules)) {
      await writeFile(join(workDir, `${name}.lean`), `${text}\n`);
      const compiled = await run(toolchain!.leanBin, ['-R', workDir, '-o', join(workDir, `${name}.olean`), join(workDir, `${name}.lean`)], {
        LEAN_PATH: [workDir, ...toolchain!.leanPath].join(':'),
      });
      expect(compiled.code, `${name}: ${compiled.stdout}${compiled.stderr}`).toBe(0);
    }
  }, 300_000);

  afterAll(async () => {
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('confirms an honest proof: a theorem of the reference type with only standard axioms', async () => {
    const report = await audit('CandHonest');
    expect(report).toMatchObject({ target: 'audit_target', found: true, kind: 'theorem', type_matches: true, constants_mismatched: [] });
    expect((report.axioms as string[]).every((name) => ['propext', 'Classical.choice', 'Quot.sound'].includes(name))).toBe(true);
  });

  it('finds sorryAx in the axiom closure of a sorry proof', async () => {
    const report = await audit('CandSorry');
    expect(report).toMatchObject({ found: true, kind: 'theorem', type_matches: true });
    expect(report.axioms).toContain('sorryAx');
  });

  it('reports a different statement under the same name as a type mismatch', async () => {
    expect(await audit('CandOtherStatement')).toMatchObject({ found: true, kind: 'theorem', type_matches: false });
  });

  it('reports a statement elaborated through a candidate instance as a type mismatch', async () => {
    expect(await audit('CandInstance')).toMatchObject({ found: true, type_matches: false });
  });

  it('reports a missing target as not found', async () => {
    expect(await audit('CandMissing')).toMatchObject({ found: false, kind: null, type_matches: false, axioms: [] });
  });

  it('reports a target declared as an axiom with kind axiom and itself in the closure', async () => {
    const report = await audit('CandAxiom');
    expect(report).toMatchObject({ found: true, kind: 'axiom', type_matches: true });
    expect(report.axioms).toEqual(['audit_target']);
  });

  it('passes kernel replay (leanchecker) of an honest module', async () => {
    const replay = await run(toolchain!.leancheckerBin, ['CandHonest'], { LEAN_PATH: [...toolchain!.leanPath, workDir].join(':') });
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
  });

  it('exits 2 on a usage error and 1 when a module cannot be imported, printing no JSON', async () => {
    const usage = await run(toolchain!.auditBin, ['--candidate', 'CandHonest']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toContain('usage: proofline-audit');

    const missing = await run(toolchain!.auditBin, ['--candidate', 'NoSuchModule', '--reference', 'Reference', '--target', 'audit_target', '--search-path', workDir]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('proofline-audit: import failed');
  });
});
