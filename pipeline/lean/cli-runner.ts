import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProoflineError } from '../errors.ts';
import { parsePrintAxioms } from './axioms.ts';
import {
  CANARY_COMMAND,
  OUTPUT_FLOOD_MESSAGE,
  printAxiomsCommand,
  type AssembledCandidate,
  type ElaborationBudget,
  type ElaborationResult,
  type ElaborationRunner,
} from './elaboration.ts';
import { runLeanProcess, type RunResult } from './lean-process.ts';
import { leanSandboxSpec } from './lean-environment.ts';
import { parseLeanJsonOutput } from './parse-messages.ts';
import type { SandboxDriver } from './sandbox/sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';

export interface CliRunnerOptions {
  toolchain: Toolchain;
  driver: SandboxDriver;
  tmpRoot: string;
  /** Wall clock for the header-only compile that measures a header's import (`lean.header_timeout_ms`); hitting it is an error. */
  headerTimeoutMs: number;
  extraEnv?: Readonly<Record<string, string>>;
}

/** Headers whose import time is remembered (datasets use a handful; a long-lived server must not grow). */
const MAX_MEASURED_HEADERS = 256;

/** One `lean --json` run: what it reported, or it died (signal, odd exit) while on the candidate. */
type Attempt = { kind: 'result'; result: ElaborationResult } | { kind: 'crashed'; error: ProoflineError };

/**
 * L2 the simple, slow way: one fresh `lean --json` process per candidate (the reference runner).
 * Our `#print axioms <target>` is appended after the candidate, two lines below its last line, so
 * that its report is told apart by position.
 *
 * Every file re-imports the header, which is not the candidate's to pay for: a header-only compile
 * measures the import once per header, and the candidate gets `timeout_ms` on top of it (as the
 * REPL runner, whose header is imported before the clock starts, and as L3 do).
 */
export class CliRunner implements ElaborationRunner {
  readonly name = 'cli' as const;
  readonly #options: CliRunnerOptions;
  readonly #headerImportMs = new Map<string, Promise<number>>();

  constructor(options: CliRunnerOptions) {
    this.#options = options;
  }

  async elaborate(candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    const started = performance.now();
    const headerMs = await this.#measureHeader(candidate.header, budget);
    const first = await this.#attempt(candidate, budget, headerMs);
    if (first.kind === 'result') return first.result;
    if (first.error.details.signal === 'SIGKILL') throw first.error; // not ours to send unnoticed: the host's (OOM killer)
    // Every run is a fresh process already; run once more to see the crash reproduce, then ask a
    // canary whether Lean works at all here: only then is the crash the candidate's.
    const again = await this.#attempt(candidate, budget, headerMs);
    if (again.kind === 'result') return again.result;
    if (again.error.details.signal === 'SIGKILL') throw again.error;
    const canary = await this.#runInWorkDir(`${candidate.header}\n\n${CANARY_COMMAND}\n`, budget.timeoutMs + headerMs, budget);
    if (isCrash(canary) || canary.timedOut || canary.memoryExceeded || canary.outputExceeded) {
      throw new ProoflineError('LEAN_CRASHED', `${again.error.message}; a canary (\`${CANARY_COMMAND}\`) failed too (${describeEnd(canary)})`, {
        cause: again.error,
        details: { ...again.error.details, canaryExitCode: canary.exitCode, canarySignal: canary.signal },
      });
    }
    return {
      outcome: 'crashed',
      messages: [],
      elapsedMs: performance.now() - started,
      detail: `Lean crashed on this candidate twice (fresh processes), while \`${CANARY_COMMAND}\` ran on the same header: ${again.error.message.split('\n', 1)[0]?.slice(0, 300)}`,
    };
  }

  async close(): Promise<void> {}

  /** The header's import time, measured once per header by a header-only compile; failures are not remembered unless the header itself is broken. */
  #measureHeader(header: string, budget: ElaborationBudget): Promise<number> {
    let measured = this.#headerImportMs.get(header);
    if (measured === undefined) {
      measured = this.#compileHeader(header, budget);
      if (this.#headerImportMs.size >= MAX_MEASURED_HEADERS) this.#headerImportMs.delete(this.#headerImportMs.keys().next().value!);
      this.#headerImportMs.set(header, measured);
      measured.catch((error: unknown) => {
        if (!(error instanceof ProoflineError) || error.retryable) this.#headerImportMs.delete(header);
      });
    }
    return measured;
  }

  async #compileHeader(header: string, budget: ElaborationBudget): Promise<number> {
    const run = await this.#runInWorkDir(`${header}\n`, this.#options.headerTimeoutMs, budget);
    if (run.timedOut || run.memoryExceeded || run.outputExceeded || isCrash(run)) {
      throw new ProoflineError('LEAN_CRASHED', `The header-only compile that measures the import failed (${describeEnd(run)}): ${run.stderr.trim().slice(-500)}`, {
        details: { exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut },
      });
    }
    const error = parseLeanJsonOutput(run.stdout).find((m) => m.severity === 'error');
    if (error !== undefined) {
      throw new ProoflineError('LEAN_HEADER_FAILED', `The trusted header does not elaborate (line ${error.line}): ${error.data.split('\n', 1)[0]}`, { details: { message: error.data } });
    }
    return run.elapsedMs;
  }

  async #attempt(candidate: AssembledCandidate, budget: ElaborationBudget, headerMs: number): Promise<Attempt> {
    const auditLine = candidate.text.split('\n').length + 2;
    const run = await this.#runInWorkDir(`${candidate.text}\n\n${printAxiomsCommand(candidate.target)}\n`, budget.timeoutMs + headerMs, budget);
    if (run.timedOut) return result({ outcome: 'timeout', messages: [], elapsedMs: run.elapsedMs });
    if (run.memoryExceeded) return result({ outcome: 'memory_limit', messages: [], elapsedMs: run.elapsedMs });
    if (run.outputExceeded) {
      // Output past the cap is an error cascade of the candidate's making; say so in a marked message.
      return result({ outcome: 'completed', messages: [OUTPUT_FLOOD_MESSAGE], sorryCount: 0, printedAxioms: null, targetMissing: false, elapsedMs: run.elapsedMs });
    }
    if (isCrash(run)) {
      const error = new ProoflineError('LEAN_CRASHED', `\`lean --json\` died (${describeEnd(run)}): ${run.stderr.trim().slice(-500)}`, {
        details: { exitCode: run.exitCode, signal: run.signal },
      });
      return { kind: 'crashed', error };
    }
    const all = parseLeanJsonOutput(run.stdout);
    const messages = all.filter((m) => m.line < auditLine);
    const auditMessages = all.filter((m) => m.line >= auditLine);
    const hasErrors = messages.some((m) => m.severity === 'error');
    if (run.exitCode === 1 && !all.some((m) => m.severity === 'error')) {
      return { kind: 'crashed', error: new ProoflineError('LEAN_CRASHED', `\`lean --json\` exited 1 without reporting an error: ${run.stderr.trim().slice(-500)}`) };
    }
    const auditError = auditMessages.some((m) => m.severity === 'error');
    const printed = auditMessages.map((m) => parsePrintAxioms(m.data)).find((r) => r !== null) ?? null;
    if (!hasErrors && !auditError && printed === null) {
      throw new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', `Expected a \`#print axioms ${candidate.target}\` report on line ${auditLine}, got none`);
    }
    return result({
      outcome: 'completed',
      messages,
      sorryCount: 0,
      printedAxioms: hasErrors || auditError ? null : printed,
      targetMissing: !hasErrors && auditError,
      elapsedMs: run.elapsedMs,
    });
  }

  /** `lean --json Candidate.lean` on `text` in a private work dir, removed afterwards. */
  async #runInWorkDir(text: string, timeoutMs: number, budget: ElaborationBudget): Promise<RunResult> {
    const { toolchain, driver, tmpRoot } = this.#options;
    const workDir = await mkdtemp(join(tmpRoot, 'cli-'));
    try {
      await writeFile(join(workDir, 'Candidate.lean'), text);
      const spec = leanSandboxSpec(toolchain, { workDir, memoryLimitMb: budget.memoryLimitMb, extraEnv: this.#options.extraEnv ?? {} });
      return await runLeanProcess(toolchain.leanBin, ['--json', 'Candidate.lean'], { driver, spec, timeoutMs, memoryLimitMb: budget.memoryLimitMb });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

function result(value: ElaborationResult): Attempt {
  return { kind: 'result', result: value };
}

/** Died by a signal or with an exit code `lean` never uses for a verdict (0: clean, 1: errors reported). */
function isCrash(run: RunResult): boolean {
  return !run.timedOut && !run.memoryExceeded && !run.outputExceeded && (run.signal !== null || (run.exitCode !== 0 && run.exitCode !== 1));
}

function describeEnd(run: RunResult): string {
  if (run.timedOut) return 'timed out';
  if (run.memoryExceeded) return 'exceeded the memory limit';
  if (run.outputExceeded) return 'flooded its output';
  return `exit ${run.exitCode}, signal ${run.signal}`;
}
