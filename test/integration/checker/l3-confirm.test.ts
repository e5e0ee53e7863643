import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isProoflineError, ProoflineError } from '../../../pipeline/errors.ts';
import { confirmAccept, type ConfirmOptions } from '../../../pipeline/lean/confirm.ts';
import type { Decision } from '../../../pipeline/lean/decide-verdict.ts';
import type { AssembledCandidate } from '../../../pipeline/lean/elaboration.ts';
import { locateToolchain } from '../../../pipeline/lean/locate-toolchain.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import type { SandboxDriver, SandboxSpec } from '../../../pipeline/lean/sandbox/sandbox-driver.ts';
import type { Toolchain } from '../../../pipeline/lean/toolchain.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

/**
 * L3 (confirmAccept) against the recorded-Lean double, on candidates recorded for this file: how a
 * kernel replay that fails without a kernel error, a compile that hits a limit or crashes only once,
 * and a module whose imports differ are decided. The `none` sandbox lets the double's fault counter
 * file (RECORDED_LEAN_FAULT_COUNTER) be shared by the two compiles of one confirmation.
 */
const STATEMENT = 'theorem l3_target : 1 + 1 = 2 := by sorry';
const BODY = 'theorem l3_target : 1 + 1 = 2 := by\n  decide';
const KERNEL_BODY = 'theorem l3_target : 1 + 1 = 2 := by\n  exact l3_fooled';
/** leanchecker's kernel error, in the shape of tests/pkg/leanchecker/LeanCheckerTests/AddFalse (leanprover/lean4). */
const KERNEL_ERROR = "leanchecker found a problem in Candidate\nuncaught exception: while replaying declaration 'l3_target':\n(kernel) declaration type mismatch, 'l3_target' has type\n  True\nbut it is expected to have type\n  1 + 1 = 2\n";

let recordings: string;
let toolchain: Toolchain;
beforeAll(async () => {
  recordings = mkdtempSync(join(tmpdir(), 'l3-confirm-recordings-'));
  const sorryResponse = {
    sorries: [{ proofState: 0, pos: { line: 1, column: 36 }, goal: '⊢ 1 + 1 = 2', endPos: { line: 1, column: 41 } }],
    messages: [{ severity: 'warning', pos: { line: 1, column: 8 }, endPos: { line: 1, column: 17 }, data: 'declaration uses `sorry`' }],
    env: 2,
  };
  const write = (name: string, body: string, sidecar: object | null): void => {
    const requests = [{ cmd: '' }, { cmd: body, env: 0 }, { cmd: STATEMENT, env: 0 }];
    const responses = [{ env: 0 }, { env: 1 }, sorryResponse];
    writeFileSync(join(recordings, `${name}.in`), requests.map((r) => JSON.stringify(r)).join('\n\n') + '\n');
    writeFileSync(join(recordings, `${name}.expected.out`), responses.map((r) => `${JSON.stringify(r)}\n\n`).join(''));
    if (sidecar !== null) writeFileSync(join(recordings, `${name}.audit.json`), JSON.stringify(sidecar));
  };
  write('l3_honest', BODY, null);
  write('l3_kernel_error', KERNEL_BODY, { leanchecker_exit_code: 1, leanchecker_output: KERNEL_ERROR });
  write('l3_other_imports', 'theorem l3_target : 1 + 1 = 2 := by\n  exact l3_planted', {
    audit: { target: 'l3_target', found: true, kind: 'theorem', type_matches: true, constants_mismatched: [], axioms: [], imports_match: false, extra_imports: ['Planted'], missing_imports: [] },
  });
  toolchain = await locateToolchain({ home: RECORDED_LEAN_HOME, repoRoot: REPO_ROOT });
});
afterAll(() => {
  rmSync(recordings, { recursive: true, force: true });
});

let tmpRoot: string;
beforeEach(() => {
  tmpRoot = mkdtempSync(join(tmpdir(), 'l3-confirm-'));
});
afterEach(() => {
  rmSync(tmpRoot, { recursive: true, force: true });
});

function candidateOf(body: string): AssembledCandidate {
  return { header: '', body, text: `\n\n${body}`, target: 'l3_target', statementPrefix: 'theorem l3_target : 1 + 1 = 2', bodyLineOffset: 2, hasAuxiliary: false };
}

/** Every sandbox spec a run asked for, with the command, in order. */
function recordingDriver(): { driver: SandboxDriver; runs: Array<{ command: string; args: readonly string[]; spec: SandboxSpec }> } {
  const inner = createNoneDriver();
  const runs: Array<{ command: string; args: readonly string[]; spec: SandboxSpec }> = [];
  return { runs, driver: { ...inner, wrap: (command, args, spec) => (runs.push({ command, args, spec }), inner.wrap(command, args, spec)) } };
}

async function confirm(body: string, env: Record<string, string> = {}, overrides: Partial<ConfirmOptions> & { timeoutMs?: number; memoryLimitMb?: number } = {}): Promise<Decision | null> {
  const { timeoutMs = 8000, memoryLimitMb = 512, ...rest } = overrides;
  return confirmAccept(candidateOf(body), STATEMENT, { timeoutMs, memoryLimitMb }, {
    toolchain, driver: createNoneDriver(), tmpRoot, allowedAxioms: ['propext', 'Classical.choice', 'Quot.sound'], infraTimeoutMs: 20_000,
    extraEnv: { RECORDED_LEAN_RECORDINGS: recordings, ...env },
    ...rest,
  });
}

async function confirmError(body: string, env: Record<string, string> = {}, overrides: Parameters<typeof confirm>[2] = {}): Promise<ProoflineError> {
  const outcome = await confirm(body, env, overrides).then((decision) => decision, (error: unknown) => error);
  if (!(outcome instanceof ProoflineError)) throw new Error(`expected a ProoflineError, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const verdictOf = (decision: Decision | null): unknown => (decision === null ? 'confirmed' : { reason: decision.reason, layer: decision.layer });

describe('L3 kernel replay: only a kernel error that leanchecker reports is a rejection', () => {
  it('confirms an honest proof', async () => {
    expect(verdictOf(await confirm(BODY))).toBe('confirmed');
  });

  it('rejects a reported kernel error (the reference replaying cleanly) as kernel_rejected', async () => {
    const decision = await confirm(KERNEL_BODY);
    expect(verdictOf(decision)).toEqual({ reason: 'kernel_rejected', layer: 'L3' });
    expect(decision?.detail).toContain("(kernel) declaration type mismatch, 'l3_target' has type");
  });

  for (const fault of ['missing-olean', 'out-of-memory', 'stack-overflow', 'kernel-limit'] as const) {
    it(`reports a leanchecker ${fault} exit as a retryable LEAN_CRASHED, never a rejection`, async () => {
      const error = await confirmError(BODY, { RECORDED_LEAN_LEANCHECKER_FAULT: fault });
      expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'LEAN_CRASHED', retryable: true });
      expect(error.message).toMatch(/^leanchecker/);
    });
  }
});

describe('L3 fresh compile: a limit or a crash is judged only when a second fresh process repeats it', () => {
  const counterEnv = (): Record<string, string> => ({ RECORDED_LEAN_FAULT_COUNTER: join(tmpRoot, 'faults.count'), RECORDED_LEAN_FAULT_TIMES: '1' });

  it('rejects a compile that times out twice as timeout', async () => {
    const decision = await confirm(`${BODY}\n  -- recorded-lean: fault=on-olean-hang`, {}, { timeoutMs: 1000 });
    expect(verdictOf(decision)).toEqual({ reason: 'timeout', layer: 'L3' });
    expect(decision?.detail).toMatch(/again on a second fresh process/);
  });

  it('reports a timeout that a second fresh process does not repeat as a retryable error', async () => {
    const error = await confirmError(`${BODY}\n  -- recorded-lean: fault=on-olean-hang`, counterEnv(), { timeoutMs: 1000 });
    expect({ code: error.code, retryable: error.retryable, details: error.details }).toMatchObject({ code: 'LEAN_CRASHED', retryable: true, details: { first: 'timeout', second: 'ok' } });
    expect(error.message).toMatch(/did not settle/);
  });

  it('rejects a compile that exceeds the memory budget twice as memory_limit', async () => {
    const decision = await confirm(`${BODY}\n  -- recorded-lean: fault=on-olean-leak`, { RECORDED_LEAN_LEAK_MB: '400' }, { memoryLimitMb: 300 });
    expect(verdictOf(decision)).toEqual({ reason: 'memory_limit', layer: 'L3' });
  });

  it('rejects a candidate that crashes Lean on two fresh processes, while the reference compiled, as crashes_lean', async () => {
    const decision = await confirm(`${BODY}\n  -- recorded-lean: fault=on-olean-crash-signal`);
    expect(verdictOf(decision)).toEqual({ reason: 'crashes_lean', layer: 'L3' });
    expect(decision?.detail).toMatch(/died by SIGSEGV, again on a second fresh process, while the reference statement compiled cleanly/);
  });

  it('never blames a SIGKILL it did not send (the host OOM killer) on the candidate: LEAN_CRASHED, not crashes_lean', async () => {
    const error = await confirmError(`${BODY}\n  -- recorded-lean: fault=on-olean-crash-signal`, { RECORDED_LEAN_CRASH_SIGNAL: 'SIGKILL' });
    expect(isProoflineError(error, 'LEAN_CRASHED') && error.retryable).toBe(true);
    expect(error.message).toMatch(/SIGKILL that the checker did not send/);
  });

  it('reports a crash that does not repeat as a retryable LEAN_CRASHED', async () => {
    const error = await confirmError(`${BODY}\n  -- recorded-lean: fault=on-olean-crash-signal`, counterEnv());
    expect(error.details).toMatchObject({ first: 'crash', second: 'ok' });
    expect(isProoflineError(error, 'LEAN_CRASHED') && error.retryable).toBe(true);
  });

  it('reports a crash of the reference compile (the canary) as LEAN_CRASHED, never crashes_lean', async () => {
    const error = await confirmError(BODY, { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'lean' });
    expect(error.code).toBe('LEAN_CRASHED');
    expect(error.message).toMatch(/^lean \(reference\)/);
  });
});

describe('L3 trusts nothing the candidate could write', () => {
  it('rejects a module whose imports differ from the reference as statement_mismatch, naming them', async () => {
    const decision = await confirm('theorem l3_target : 1 + 1 = 2 := by\n  exact l3_planted');
    expect(verdictOf(decision)).toEqual({ reason: 'statement_mismatch', layer: 'L3' });
    expect(decision?.detail).toMatch(/imports differ from the reference's: it imports Planted/);
  });

  it('points leanchecker, the auditor and L4 at a directory holding only Candidate.olean, never at the one the candidate wrote', async () => {
    const { driver, runs } = recordingDriver();
    const kernel = [process.execPath, join(REPO_ROOT, 'test', 'fixtures', 'bin', 'fake-independent-kernel.mjs'), 'accept', '{olean}'];
    expect(verdictOf(await confirm(BODY, {}, { driver, independentKernel: kernel }))).toBe('confirmed');
    const compile = runs.find((run) => run.args.includes('-o') && run.args.some((arg) => arg.endsWith('Candidate.lean')))!;
    const candidateDir = compile.spec.writablePaths[0]!;
    const tools = runs.filter((run) => run.command !== toolchain.leanBin);
    expect(tools.map((run) => run.command)).toEqual([toolchain.auditBin, toolchain.leancheckerBin, process.execPath]);
    for (const run of tools) {
      const seen = [...run.spec.readOnlyPaths, ...run.spec.writablePaths, ...(run.spec.env.LEAN_PATH ?? '').split(':'), ...run.args];
      expect(seen.filter((path) => path.startsWith(candidateDir)), run.command).toEqual([]);
      expect(seen.some((path) => path.includes(`${join('confirm-')}`) && path.includes('trusted')), run.command).toBe(true);
    }
  });
});
