import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { parsePrintAxioms } from '../../../pipeline/lean/axioms.ts';
import { parseLeanJsonLines, parseLeanJsonOutput } from '../../../pipeline/lean/parse-messages.ts';
import { HOME, PROJECT_LEAN_LIB } from '../../fixtures/recorded-lean/lib/home.ts';

const BIN = path.join(HOME, 'bin');
const EXAMPLES = path.join(HOME, 'examples');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runBin(bin: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(path.join(BIN, bin), args, { cwd: options.cwd, env: { ...process.env, RECORDED_LEAN_RECORDINGS: EXAMPLES, ...options.env } }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode, signal: child.signalCode ?? (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, stdout, stderr });
    });
  });
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recorded-lean-cli-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The CLI runner's file: header + "\n\n" + body + "\n\n" + the audit command + "\n". */
function writeCandidate(name: string, header: string, body: string, target: string | null): string {
  const file = path.join(tmp, `${name}.lean`);
  fs.writeFileSync(file, `${header}\n\n${body}${target === null ? '\n' : `\n\nset_option pp.fullNames true in\n#print axioms ${target}\n`}`);
  return file;
}

describe('bin/lean and bin/lake basics', () => {
  it('prints a real-looking version line', async () => {
    const run = await runBin('lean', ['--version']);
    expect(run.stdout).toMatch(/^Lean \(version 4\.33\.0, x86_64-unknown-linux-gnu, commit [0-9a-f]{40}, Release\)\n$/);
    expect(run.code).toBe(0);
  });

  it('follows RECORDED_LEAN_VERSION', async () => {
    expect((await runBin('lean', ['--version'], { env: { RECORDED_LEAN_VERSION: '4.26.0' } })).stdout).toContain('version 4.26.0,');
  });

  it('lake env printenv LEAN_PATH names an existing project lib dir first', async () => {
    const run = await runBin('lake', ['env', 'printenv', 'LEAN_PATH'], { env: { LEAN_PATH: '' } });
    expect(run.stdout.trim().split(':')[0]).toBe(PROJECT_LEAN_LIB);
    expect(fs.statSync(PROJECT_LEAN_LIB).isDirectory()).toBe(true);
  });

  it('lake env runs a command with LEAN_PATH set and passes its exit code through', async () => {
    const run = await runBin('lake', ['env', '/bin/sh', '-c', 'echo "$LEAN_PATH"; exit 3'], { env: { LEAN_PATH: '/extra' } });
    expect(run.stdout.trim()).toBe(`${PROJECT_LEAN_LIB}:/extra`);
    expect(run.code).toBe(3);
  });

  it('lake --version names the Lean version', async () => {
    expect((await runBin('lake', ['--version'])).stdout).toContain('Lean version 4.33.0');
  });
});

describe('bin/lean --json FILE', () => {
  it('prints a recorded Mathlib chain with lines shifted into the file and the v4.32+ field set', async () => {
    const file = writeCandidate('Candidate', 'import Mathlib', 'theorem test : 0 < 1 := by sorry', null);
    const run = await runBin('lean', ['--json', file], { cwd: tmp });
    expect(run.code).toBe(0);
    const [message] = parseLeanJsonLines(run.stdout);
    expect(message).toEqual({
      caption: '',
      data: 'declaration uses `sorry`',
      endPos: { column: 12, line: 3 },
      fileName: file,
      isSilent: false,
      keepFullRange: false,
      kind: 'hasSorry',
      pos: { column: 8, line: 3 },
      severity: 'warning',
    });
    expect(Object.keys(JSON.parse(run.stdout.split('\n')[0] as string) as object)).toEqual([
      'caption', 'data', 'endPos', 'fileName', 'isSilent', 'keepFullRange', 'kind', 'pos', 'severity',
    ]);
  });

  it('turns a hasSorry warning into an error with -E hasSorry and exits 1', async () => {
    const file = writeCandidate('Candidate', 'import Mathlib', 'theorem test : 0 < 1 := by sorry', null);
    const run = await runBin('lean', ['--json', '-E', 'hasSorry', file], { cwd: tmp });
    expect(run.code).toBe(1);
    expect(parseLeanJsonOutput(run.stdout)[0]?.severity).toBe('error');
  });

  it('puts the #print axioms answer on the line of the appended command', async () => {
    const file = writeCandidate('Candidate', '', 'theorem big : 2 ^ 10 = 1024 := by\n  native_decide', 'big');
    const run = await runBin('lean', ['--json', file], { cwd: tmp });
    expect(run.code).toBe(0);
    const messages = parseLeanJsonOutput(run.stdout);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ severity: 'info', line: 7, column: 0 });
    expect(fs.readFileSync(file, 'utf8').split('\n')[6]).toBe('#print axioms big');
    expect(parsePrintAxioms(messages[0]?.data ?? '')?.axioms).toEqual(['Lean.ofReduceBool', 'Lean.trustCompiler']);
  });

  it('exits 1 on a recorded error, at the error position in the file, and writes no olean', async () => {
    const file = writeCandidate('Candidate', '', 'theorem wrong : 1 + 1 = 3 := by\n  decide', null);
    const olean = path.join(tmp, 'Candidate.olean');
    const run = await runBin('lean', ['--json', '-R', tmp, '-o', olean, file], { cwd: tmp });
    expect(run.code).toBe(1);
    expect(parseLeanJsonOutput(run.stdout)).toEqual([
      { severity: 'error', line: 4, column: 2, end_line: 4, end_column: 8, data: "tactic 'decide' proved that the proposition\n  1 + 1 = 3\nis false" },
    ]);
    expect(fs.existsSync(olean)).toBe(false);
  });

  it('answers an unrecorded file with an error message and exit 1', async () => {
    const file = writeCandidate('Candidate', '', 'theorem two_eq : 1 + 1 = 2 := by\n  omega', 'two_eq');
    const run = await runBin('lean', ['--json', file], { cwd: tmp });
    expect(run.code).toBe(1);
    expect(parseLeanJsonOutput(run.stdout).map((message) => [message.severity, message.data])).toEqual([
      ['error', 'recorded-lean: no recording for this input'],
    ]);
  });

  it('writes an olean naming the chain with -o when the file compiles', async () => {
    const file = writeCandidate('Candidate', '', 'theorem two_eq : 1 + 1 = 2 := by\n  decide', null);
    const olean = path.join(tmp, 'Candidate.olean');
    const run = await runBin('lean', ['--json', '-R', tmp, '-o', olean, file], { cwd: tmp });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(fs.readFileSync(olean, 'utf8'))).toMatchObject({
      recorded_lean_olean: 1,
      exact_chain: ['', 'theorem two_eq : 1 + 1 = 2 := by\n  decide'],
    });
  });

  it('prints the older field set (severity first, no kind/isSilent) for Lean before 4.32', async () => {
    const file = writeCandidate('Candidate', '', 'theorem big : 2 ^ 10 = 1024 := by\n  native_decide', 'big');
    const run = await runBin('lean', ['--json', file], { cwd: tmp, env: { RECORDED_LEAN_VERSION: '4.26.0' } });
    const raw = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    expect(Object.keys(raw)[0]).toBe('severity');
    expect(raw).not.toHaveProperty('kind');
    expect(parseLeanJsonOutput(run.stdout)[0]?.severity).toBe('info');
  });
});

describe('bin/lean fault directives', () => {
  const body = 'theorem two_eq : 1 + 1 = 2 := by\n  decide';

  it('garbage: a non-JSON line the parser rejects as LEAN_OUTPUT_UNPARSEABLE', async () => {
    const file = writeCandidate('Candidate', '', `${body}\n-- recorded-lean: fault=garbage`, 'two_eq');
    const run = await runBin('lean', ['--json', file], { cwd: tmp });
    let caught: unknown;
    try {
      parseLeanJsonOutput(run.stdout);
    } catch (error) {
      caught = error;
    }
    expect(isProoflineError(caught, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
  });

  it('crash-signal: dies by the configured signal', async () => {
    const file = writeCandidate('Candidate', '', `${body}\n-- recorded-lean: fault=crash-signal`, 'two_eq');
    const run = await runBin('lean', ['--json', file], { cwd: tmp, env: { RECORDED_LEAN_CRASH_SIGNAL: 'SIGABRT' } });
    expect(run.signal).toBe('SIGABRT');
  });

  it('invalid-json-death: a cut line and exit 1', async () => {
    const file = writeCandidate('Candidate', '', `${body}\n-- recorded-lean: fault=invalid-json-death`, 'two_eq');
    const run = await runBin('lean', ['--json', file], { cwd: tmp });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('uncaught exception');
  });

  it('empty: no output and exit 0 (a clean-looking run that must not count as a proof)', async () => {
    const file = writeCandidate('Candidate', '', `${body}\n-- recorded-lean: fault=empty`, 'two_eq');
    expect(await runBin('lean', ['--json', file], { cwd: tmp })).toMatchObject({ code: 0, stdout: '' });
  });

  it('RECORDED_LEAN_FAULT=hang: never exits', async () => {
    const file = writeCandidate('Candidate', '', body, 'two_eq');
    const started = performance.now();
    const run = await new Promise<Run>((resolve) => {
      const child = execFile(path.join(BIN, 'lean'), ['--json', file], { timeout: 800, killSignal: 'SIGKILL', env: { ...process.env, RECORDED_LEAN_RECORDINGS: EXAMPLES, RECORDED_LEAN_FAULT: 'hang' } }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
      );
    });
    expect(run.signal).toBe('SIGKILL');
    expect(performance.now() - started).toBeGreaterThanOrEqual(790);
  });
});
