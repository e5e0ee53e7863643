import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProoflineError } from '../errors.ts';
import { parsePrintAxioms } from './axioms.ts';
import { printAxiomsCommand, type AssembledCandidate, type ElaborationBudget, type ElaborationResult, type ElaborationRunner } from './elaboration.ts';
import { runLeanProcess } from './lean-process.ts';
import { leanSandboxSpec } from './lean-environment.ts';
import { parseLeanJsonOutput } from './parse-messages.ts';
import type { SandboxDriver } from './sandbox/sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';

export interface CliRunnerOptions {
  toolchain: Toolchain;
  driver: SandboxDriver;
  tmpRoot: string;
  extraEnv?: Readonly<Record<string, string>>;
}

/**
 * L2 the simple, slow way: one fresh `lean --json` process per candidate (the reference runner).
 * Our `#print axioms <target>` is appended after the candidate, two lines below its last line, so
 * that its report is told apart by position.
 */
export class CliRunner implements ElaborationRunner {
  readonly name = 'cli' as const;
  readonly #options: CliRunnerOptions;

  constructor(options: CliRunnerOptions) {
    this.#options = options;
  }

  async elaborate(candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    const { toolchain, driver, tmpRoot } = this.#options;
    const workDir = await mkdtemp(join(tmpRoot, 'cli-'));
    try {
      const auditLine = candidate.text.split('\n').length + 2;
      await writeFile(join(workDir, 'Candidate.lean'), `${candidate.text}\n\n${printAxiomsCommand(candidate.target)}\n`);
      const spec = leanSandboxSpec(toolchain, { workDir, memoryLimitMb: budget.memoryLimitMb, extraEnv: this.#options.extraEnv ?? {} });
      const run = await runLeanProcess(toolchain.leanBin, ['--json', 'Candidate.lean'], {
        driver,
        spec,
        timeoutMs: budget.timeoutMs,
        memoryLimitMb: budget.memoryLimitMb,
      });
      if (run.timedOut) return { outcome: 'timeout', messages: [], elapsedMs: run.elapsedMs };
      if (run.memoryExceeded) return { outcome: 'memory_limit', messages: [], elapsedMs: run.elapsedMs };
      if (run.outputExceeded) {
        // Output past the cap is an error cascade of the candidate's making; say so in a marked message.
        const flood = { severity: 'error' as const, line: 0, column: 0, end_line: null, end_column: null, data: 'proofline: Lean printed more output than the checker keeps (an error cascade)' };
        return { outcome: 'completed', messages: [flood], sorryCount: 0, printedAxioms: null, targetMissing: false, elapsedMs: run.elapsedMs };
      }
      if (run.signal !== null || (run.exitCode !== 0 && run.exitCode !== 1)) {
        throw new ProoflineError('LEAN_CRASHED', `\`lean --json\` died (exit ${run.exitCode}, signal ${run.signal}): ${run.stderr.trim().slice(-500)}`, {
          details: { exitCode: run.exitCode, signal: run.signal },
        });
      }
      const all = parseLeanJsonOutput(run.stdout);
      const messages = all.filter((m) => m.line < auditLine);
      const auditMessages = all.filter((m) => m.line >= auditLine);
      const hasErrors = messages.some((m) => m.severity === 'error');
      if (run.exitCode === 1 && !all.some((m) => m.severity === 'error')) {
        throw new ProoflineError('LEAN_CRASHED', `\`lean --json\` exited 1 without reporting an error: ${run.stderr.trim().slice(-500)}`);
      }
      const auditError = auditMessages.some((m) => m.severity === 'error');
      const printed = auditMessages.map((m) => parsePrintAxioms(m.data)).find((r) => r !== null) ?? null;
      if (!hasErrors && !auditError && printed === null) {
        throw new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', `Expected a \`#print axioms ${candidate.target}\` report on line ${auditLine}, got none`);
      }
      return {
        outcome: 'completed',
        messages,
        sorryCount: 0,
        printedAxioms: hasErrors || auditError ? null : printed,
        targetMissing: !hasErrors && auditError,
        elapsedMs: run.elapsedMs,
      };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}
}
