import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leanSandboxSpec } from '../../pipeline/lean/lean-environment.ts';
import { runLeanProcess, type RunResult } from '../../pipeline/lean/lean-process.ts';
import { createNoneDriver } from '../../pipeline/lean/sandbox/none-driver.ts';
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
  // Imports a module the reference does not (compiled above it: object keys keep their order).
  CandExtraImport: 'import CandHonest\n\ntheorem audit_target : (1 : Nat) + 1 = 2 := by decide',
};
/** A target whose name needs escaping: passed and echoed as `«1st_thm»`. */
const ESCAPED: Record<string, string> = {
  RefEscaped: 'theorem «1st_thm» : (1 : Nat) + 1 = 2 := by sorry',
  CandEscaped: 'theorem «1st_thm» : (1 : Nat) + 1 = 2 := by decide',
};
/**
 * Peak RSS of the auditor over the candidate's own compile (both sampled by the process layer): it
 * imports the header once, like the compile, so it must stay near it — two imports would double it.
 */
const AUDIT_MEMORY_FACTOR = 1.3;
const AUDIT_MEMORY_SLACK_MB = 64;

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
    const modules: Record<string, string> = { Reference: REFERENCE, ...CANDIDATES, ...ESCAPED };
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

  it('reports a candidate that imports other modules than the reference, without importing it', async () => {
    expect(await audit('CandExtraImport')).toMatchObject({ imports_match: false, extra_imports: ['CandHonest'], missing_imports: [], found: false });
    expect(await audit('CandHonest')).toMatchObject({ imports_match: true, extra_imports: [], missing_imports: [] });
  });

  it('parses an escaped --target as a Lean name and echoes it escaped', async () => {
    const result = await run(toolchain!.auditBin, ['--candidate', 'CandEscaped', '--reference', 'RefEscaped', '--target', '«1st_thm»', '--search-path', workDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ target: '«1st_thm»', found: true, kind: 'theorem', type_matches: true, imports_match: true });
  });

  it("stays within the candidate compile's memory: one environment, not two", async () => {
    const measure = (command: string, args: string[]): Promise<RunResult> =>
      runLeanProcess(command, args, {
        driver: createNoneDriver(),
        spec: leanSandboxSpec(toolchain!, { workDir, memoryLimitMb: 16_384, extraLeanPath: [workDir] }),
        timeoutMs: 300_000,
        memoryLimitMb: 16_384,
        rssPollMs: 20,
      });
    const compiled = await measure(toolchain!.leanBin, ['-R', workDir, '-o', join(workDir, 'Measured.olean'), join(workDir, 'CandHonest.lean')]);
    expect(compiled.exitCode, compiled.stderr).toBe(0);
    const audited = await measure(toolchain!.auditBin, ['--candidate', 'CandHonest', '--reference', 'Reference', '--target', 'audit_target', '--search-path', workDir]);
    expect(audited.exitCode, audited.stderr).toBe(0);
    console.info(`proofline-audit peak RSS ${audited.peakRssMb} MiB; candidate compile ${compiled.peakRssMb} MiB`);
    expect(audited.peakRssMb).toBeLessThanOrEqual(compiled.peakRssMb * AUDIT_MEMORY_FACTOR + AUDIT_MEMORY_SLACK_MB);
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
