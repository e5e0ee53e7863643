import { copyFile, lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import type { LeanMessage } from '../schemas/verdict.ts';
import { classifyAxioms } from './axioms.ts';
import type { Decision } from './decide-verdict.ts';
import type { AssembledCandidate, ElaborationBudget } from './elaboration.ts';
import { runLeanProcess, type RunResult } from './lean-process.ts';
import { leanSandboxSpec } from './lean-environment.ts';
import { parseLeanJsonOutput } from './parse-messages.ts';
import type { SandboxDriver } from './sandbox/sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';

/** What `proofline-audit` (lean-project/Proofline/Audit.lean) prints: one JSON line. */
export const AuditReportSchema = z.object({
  target: z.string(),
  found: z.boolean(),
  kind: z.string().nullable().optional(),
  type_matches: z.boolean(),
  constants_mismatched: z.array(z.string()),
  axioms: z.array(z.string()),
  /**
   * The candidate module's direct imports equal the reference module's (the two roots themselves
   * aside). Required: an auditor that does not say so is too old to trust.
   */
  imports_match: z.boolean(),
  /** Imports of the candidate module that the reference lacks, and the reverse (escaped names). */
  extra_imports: z.array(z.string()),
  missing_imports: z.array(z.string()),
});
export type AuditReport = z.infer<typeof AuditReportSchema>;

export interface ConfirmOptions {
  toolchain: Toolchain;
  driver: SandboxDriver;
  tmpRoot: string;
  allowedAxioms: readonly string[];
  extraEnv?: Readonly<Record<string, string>>;
  /** Wall clock for our own trusted steps (reference compile, kernel replay, audit, L4): `lean.header_timeout_ms`. */
  infraTimeoutMs: number;
  /**
   * L4 for this candidate: an independent kernel's argv ({olean}, {module}, {lean_path} are
   * substituted), run on the module L3 compiled, after L3 confirmed it. Null = not sampled.
   */
  independentKernel?: readonly string[] | null;
}

/**
 * L3, for accepts only: compile the assembled file again in a FRESH sandboxed process (nothing
 * shared with earlier untrusted candidates), replay its declarations in the kernel (`leanchecker`),
 * and audit out of band with our own trusted process: the target must be a theorem whose type
 * equals the reference statement elaborated in a clean environment (constants compared too), and
 * whose axiom closure, recomputed there, is allowed. Returns a rejection, or null to confirm.
 */
export async function confirmAccept(
  candidate: AssembledCandidate,
  formalStatement: string,
  budget: ElaborationBudget,
  options: ConfirmOptions,
): Promise<Decision | null> {
  const { toolchain, driver } = options;
  const root = await mkdtemp(join(options.tmpRoot, 'confirm-'));
  try {
    // Separate directories, so nothing the candidate's process can write is ever read as trusted:
    // the reference is compiled first, in a directory the candidate's sandbox cannot even see, and
    // our tools (kernel replay, audit, L4) read the candidate's module from `trusted/`, made after
    // its compile ended and holding only Candidate.olean — never the directory the candidate wrote.
    const referenceDir = join(root, 'reference');
    const trustedDir = join(root, 'trusted');
    const scratchDir = join(root, 'scratch');
    await Promise.all([referenceDir, scratchDir].map((dir) => mkdir(dir)));
    const run = (command: string, args: string[], workDir: string, timeoutMs: number, readOnly: string[] = [], leanPathExtra: string[] = readOnly): Promise<RunResult> =>
      runLeanProcess(command, args, {
        driver,
        spec: leanSandboxSpec(toolchain, { workDir, memoryLimitMb: budget.memoryLimitMb, extraLeanPath: leanPathExtra, extraReadOnlyPaths: readOnly, extraEnv: options.extraEnv ?? {} }),
        timeoutMs,
        memoryLimitMb: budget.memoryLimitMb,
      });
    // Only the candidate's own compile is charged to the candidate's budget. Our trusted steps
    // (reference, kernel replay, audit, L4) get the infrastructure limit: hitting it is an error.
    const infraMs = options.infraTimeoutMs;

    await writeFile(join(referenceDir, 'Reference.lean'), `${candidate.header}\n\n${formalStatement}\n`);
    const reference = await run(toolchain.leanBin, ['--json', '-R', referenceDir, '-o', join(referenceDir, 'Reference.olean'), join(referenceDir, 'Reference.lean')], referenceDir, infraMs);
    expectToolRan('lean (reference)', reference);
    const referenceErrors = errorMessages(reference.stdout);
    if (referenceErrors.length > 0) {
      throw new ProoflineError('LEAN_HEADER_FAILED', `The reference statement does not compile in a clean environment (line ${referenceErrors[0]!.line}): ${referenceErrors[0]!.data.split('\n', 1)[0]}`);
    }
    if (reference.exitCode !== 0) throw crashed('lean (reference)', reference);

    // The candidate compile re-imports the header, as the reference compile just did: that import
    // is not the candidate's to pay for, so its budget is timeout_ms on top of the reference's time.
    // Each attempt gets its own fresh directory and process.
    let attempts = 0;
    const compileCandidate = async (): Promise<CandidateCompile> => {
      attempts += 1;
      const dir = join(root, `candidate-${attempts}`);
      await mkdir(dir);
      await writeFile(join(dir, 'Candidate.lean'), `${candidate.text}\n`);
      const result = await run(toolchain.leanBin, ['--json', '-R', dir, '-o', join(dir, 'Candidate.olean'), join(dir, 'Candidate.lean')], dir, budget.timeoutMs + reference.elapsedMs);
      return { dir, result, outcome: await compileOutcome(result, join(dir, 'Candidate.olean')) };
    };
    const compiled = await compileCandidate();
    if (compiled.outcome === 'crash' && compiled.result.signal === 'SIGKILL') throw killedByMachine(compiled);
    if (isUnsettled(compiled.outcome)) {
      // A limit or a crash on a loaded machine says nothing about the proof: decide it again on a
      // fresh process (as a REPL memory_limit is), and reject only when it happens again.
      const again = await compileCandidate();
      if (again.outcome === 'crash' && again.result.signal === 'SIGKILL') throw killedByMachine(again);
      if (again.outcome !== compiled.outcome) throw unsettled(compiled, again);
      return rejectUnsettled(again);
    }
    if (compiled.outcome === 'output') return reject('lean_error', 'The fresh compile printed more output than the checker keeps (an error cascade)');
    if (compiled.outcome === 'errors') {
      const first = errorMessages(compiled.result.stdout)[0]!;
      return reject('lean_error', `Fresh compilation failed at line ${first.line}: ${first.data.split('\n', 1)[0]}`);
    }

    // Only the module itself crosses into the trusted directory: no file the candidate's process
    // planted next to it (a shadowing `Init.olean`, a symlink) is ever on our tools' search path.
    await mkdir(trustedDir);
    await copyFile(join(compiled.dir, 'Candidate.olean'), join(trustedDir, 'Candidate.olean'));

    // The audit first: it rejects a module whose imports differ from the reference's before any
    // tool has to import them (they may not even exist on our search path).
    const auditArgs = ['--candidate', 'Candidate', '--reference', 'Reference', '--target', candidate.target, '--search-path', referenceDir, '--search-path', trustedDir];
    const audited = await run(toolchain.auditBin, auditArgs, scratchDir, infraMs, [referenceDir, trustedDir]);
    expectToolRan('proofline-audit', audited);
    if (audited.exitCode !== 0) throw crashed('proofline-audit', audited);
    const judged = judgeAudit(parseAudit(audited.stdout), candidate.target, options.allowedAxioms);
    if (judged !== null) return judged;

    const replay = await run(toolchain.leancheckerBin, ['Candidate'], scratchDir, infraMs, [trustedDir]);
    expectToolRan('leanchecker', replay);
    const replayed = classifyKernelReplay(replay, 'Candidate');
    if (replayed.kind === 'failed') throw crashed(`leanchecker (${replayed.why})`, replay);
    if (replayed.kind === 'kernel_error') {
      // A kernel error counts only when the same tool accepts our trusted reference.
      const control = await run(toolchain.leancheckerBin, ['Reference'], scratchDir, infraMs, [referenceDir]);
      if (control.exitCode !== 0 || control.signal !== null || control.timedOut) throw crashed('leanchecker (fails on the trusted reference too)', replay);
      return reject('kernel_rejected', `Kernel replay (leanchecker) rejected the compiled module: ${replayed.error}`);
    }

    if (!options.independentKernel) return null;

    return await runIndependentKernel(options.independentKernel, { candidateDir: trustedDir, referenceDir, scratchDir, leanPath: toolchain.leanPath, run: (c, a, ro, lp) => run(c, a, scratchDir, infraMs, ro, lp) });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * How one fresh compile of the candidate ended. `timeout`, `memory` and `crash` are unsettled: the
 * machine may have caused them, so they are decided on a second fresh process.
 * `crash` is a signal, a non-zero exit with no error message (Lean's out-of-memory panic at the
 * RLIMIT_DATA cap, an abort), or a clean exit that left no regular Candidate.olean.
 */
type CompileOutcome = 'ok' | 'errors' | 'output' | 'timeout' | 'memory' | 'crash';

interface CandidateCompile {
  dir: string;
  result: RunResult;
  outcome: CompileOutcome;
}

async function compileOutcome(result: RunResult, oleanPath: string): Promise<CompileOutcome> {
  if (result.timedOut) return 'timeout';
  if (result.memoryExceeded) return 'memory';
  if (result.outputExceeded) return 'output';
  if (result.signal !== null) return 'crash';
  if (errorMessages(result.stdout).length > 0) return 'errors';
  if (result.exitCode !== 0) return 'crash';
  const olean = await lstat(oleanPath).catch(() => null);
  return olean?.isFile() ? 'ok' : 'crash';
}

function isUnsettled(outcome: CompileOutcome): outcome is 'timeout' | 'memory' | 'crash' {
  return outcome === 'timeout' || outcome === 'memory' || outcome === 'crash';
}

function describeCompile(compile: CandidateCompile): string {
  const { result } = compile;
  switch (compile.outcome) {
    case 'timeout':
      return `hit the time budget (${Math.round(result.elapsedMs)} ms)`;
    case 'memory':
      return `exceeded the memory budget (peak ${result.peakRssMb} MiB)`;
    case 'crash':
      return result.signal !== null ? `died by ${result.signal}` : result.exitCode !== 0 ? `exited ${result.exitCode} with no error message` : 'exited 0 without writing Candidate.olean';
    case 'output':
      return 'flooded its output';
    case 'errors':
      return 'reported errors';
    case 'ok':
      return 'finished cleanly';
  }
}

/** The same limit or crash on two fresh processes: the proof's own doing. */
function rejectUnsettled(compile: CandidateCompile): Decision {
  const how = describeCompile(compile);
  if (compile.outcome === 'timeout') return reject('timeout', `The fresh compile ${how}, again on a second fresh process`);
  if (compile.outcome === 'memory') return reject('memory_limit', `The fresh compile ${how}, again on a second fresh process`);
  // The reference compile (same header, same sandbox) has just succeeded: it is the canary.
  const lastWords = compile.result.stderr.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
  return reject('crashes_lean', `The fresh compile ${how}, again on a second fresh process, while the reference statement compiled cleanly in the same sandbox${lastWords === '' ? '' : `: ${lastWords}`}`);
}

/**
 * A SIGKILL we did not send (ours come with `timedOut`/`memoryExceeded`) is the host's: the OOM
 * killer picks the largest process, which is usually the candidate's, so it must never become
 * `crashes_lean` — a stack overflow or segfault is SIGSEGV/SIGABRT or Lean's own exit.
 */
function killedByMachine(compile: CandidateCompile): ProoflineError {
  return new ProoflineError('LEAN_CRASHED', 'The fresh compile was killed by SIGKILL that the checker did not send (the host OOM killer or an operator); retried, never judged', {
    retryable: true,
    details: { tool: 'lean (candidate)', signal: 'SIGKILL', elapsedMs: Math.round(compile.result.elapsedMs) },
  });
}

/** Two fresh compiles disagree: machine load, not the proof, decided at least one of them. */
function unsettled(first: CandidateCompile, second: CandidateCompile): ProoflineError {
  return new ProoflineError(
    'LEAN_CRASHED',
    `The fresh compile did not settle: the first run ${describeCompile(first)}, a second fresh run ${describeCompile(second)}; expected the same outcome twice before judging the proof (retried later)`,
    { retryable: true, details: { tool: 'lean (candidate)', first: first.outcome, second: second.outcome, firstExit: first.result.exitCode, firstSignal: first.result.signal } },
  );
}

/** What a leanchecker run said about one module. */
export type KernelReplay = { kind: 'accepted' } | { kind: 'kernel_error'; error: string } | { kind: 'failed'; why: string };

/**
 * The kernel resource limits (`Kernel.Exception` deterministicTimeout, excessiveMemory,
 * deepRecursion, interrupted) as `Kernel.Exception.toMessageData` renders them: a limit of the
 * replaying process, not a verdict on the module. UNSURE: the `interrupted` rendering.
 */
const KERNEL_LIMITS = ['(kernel) deterministic timeout', '(kernel) excessive memory consumption detected', '(kernel) deep recursion detected', '(kernel) interrupted'];

/**
 * Tells a kernel error from every other way `leanchecker MODULE` can exit non-zero. There is no
 * structural signal (every failure is an uncaught exception: exit 1, text on stderr), so this reads
 * the one shape leanchecker gives a replay failure (src/LeanChecker.lean, tests/pkg/leanchecker in
 * leanprover/lean4; lean4checker's `AddFalse.expected.out`):
 *
 *   leanchecker found a problem in MODULE
 *   uncaught exception: [while replaying declaration 'D':\n](kernel) declaration type mismatch, …
 *
 * and counts it as a kernel error only when the exception is the kernel's own (`(kernel) …`, not one
 * of its resource limits) or replay's check of the module's constructors and recursors
 * (`Invalid constructor X`, `No such recursor X`, …). A missing or unreadable .olean (`Could not
 * find any oleans for`, `failed to read file`), a missing import, Lean's out-of-memory panic at the
 * RLIMIT_DATA cap (`INTERNAL PANIC: out of memory`, exit 1), a stack overflow (abort: a signal) —
 * none of those is a verdict on the module, so they are `failed`.
 */
export function classifyKernelReplay(run: RunResult, module: string): KernelReplay {
  if (run.signal !== null) return { kind: 'failed', why: `killed by ${run.signal}` };
  if (run.exitCode === 0) return { kind: 'accepted' };
  const output = `${run.stdout}\n${run.stderr}`;
  const marker = `found a problem in ${module}\n`;
  const at = output.indexOf(marker);
  if (at < 0) return { kind: 'failed', why: `exit ${run.exitCode} without reporting a problem in ${module}` };
  const exception = /^uncaught exception: ([\s\S]*)$/m.exec(output.slice(at + marker.length))?.[1]?.trim() ?? '';
  const error = exception.replace(/^while replaying declaration '[^\n]*':\n(uncaught exception: )?/, '');
  if (KERNEL_LIMITS.some((limit) => error.startsWith(limit))) return { kind: 'failed', why: `hit a kernel resource limit: ${error.split('\n', 1)[0]}` };
  if (error.startsWith('(kernel) ') || /^(Invalid|No such) (constructor|recursor) \S/.test(error)) return { kind: 'kernel_error', error: error.split('\n', 1)[0]! };
  return { kind: 'failed', why: `exit ${run.exitCode}, not a kernel error: ${error.split('\n', 1)[0] || '(no exception text)'}` };
}

/**
 * L4: the configured independent kernel on the candidate's module; a rejection counts only if it
 * accepts our reference. Unlike leanchecker, a configured kernel (nanoda, lean4lean, …) has no
 * output shape we can rely on, so its exit code plus this canary is the whole signal: a kernel that
 * fails on our reference too is broken (LEAN_CRASHED), never a verdict.
 */
async function runIndependentKernel(
  argv: readonly string[],
  context: { candidateDir: string; referenceDir: string; scratchDir: string; leanPath: readonly string[]; run: (command: string, args: string[], readOnly: string[], leanPath: string[]) => Promise<RunResult> },
): Promise<Decision | null> {
  const kernelDirs = argv.filter((part) => part.startsWith('/')).map((part) => dirname(part));
  const runOn = (dir: string, module: string): Promise<RunResult> => {
    const [command, ...args] = argv.map((part) =>
      part.replaceAll('{olean}', join(dir, `${module}.olean`)).replaceAll('{module}', module).replaceAll('{lean_path}', [...context.leanPath, dir].join(':')),
    );
    return context.run(command!, args, [dir, ...kernelDirs], [dir]);
  };
  const independent = await runOn(context.candidateDir, 'Candidate');
  expectToolRan('independent kernel', independent);
  if (independent.exitCode === 0) return null;
  const control = await runOn(context.referenceDir, 'Reference');
  if (control.exitCode !== 0 || control.signal !== null || control.timedOut) throw crashed('independent kernel (fails on the trusted reference too)', independent);
  return { ...reject('kernel_rejected', `The independent kernel (L4) rejected the module: ${firstOutputLine(independent)}`), layer: 'L4' };
}

export function judgeAudit(report: AuditReport, target: string, allowedAxioms: readonly string[]): Decision | null {
  if (report.target !== target) return reject('statement_mismatch', `The audit reports on \`${report.target}\`, expected the target \`${target}\``);
  if (!report.imports_match) {
    // The statement was elaborated against other modules than the reference's: whatever it says,
    // it is not the reference statement in the trusted environment.
    const differences = [
      ...(report.extra_imports.length > 0 ? [`imports ${report.extra_imports.join(', ')} that the reference does not`] : []),
      ...(report.missing_imports.length > 0 ? [`lacks ${report.missing_imports.join(', ')} that the reference imports`] : []),
    ];
    return reject('statement_mismatch', `The compiled module's imports differ from the reference's: it ${differences.join(' and ') || 'imports other modules'}`, report.axioms);
  }
  if (!report.found) return reject('statement_mismatch', `The compiled module does not declare the target \`${target}\``);
  if (report.kind !== 'theorem') {
    return report.kind === 'axiom'
      ? reject('forbidden_axiom', `\`${target}\` was added as an axiom, not proved`, report.axioms)
      : reject('statement_mismatch', `\`${target}\` is a ${report.kind ?? 'unknown kind of'} declaration, expected a theorem`, report.axioms);
  }
  if (!report.type_matches) return reject('statement_mismatch', `The type of \`${target}\` differs from the reference statement elaborated in a clean environment`, report.axioms);
  if (report.constants_mismatched.length > 0) {
    return reject('statement_mismatch', `Constants used by the statement differ from the reference: ${report.constants_mismatched.join(', ')}`, report.axioms);
  }
  const classified = classifyAxioms(report.axioms, allowedAxioms, target);
  if (classified.sorry) return reject('sorry', `The out-of-band audit found sorryAx in the closure of \`${target}\``, report.axioms);
  if (classified.forbidden.length > 0) {
    return reject('forbidden_axiom', `The out-of-band audit found forbidden axioms: ${classified.forbidden.join(', ')}`, report.axioms);
  }
  return null;
}

function parseAudit(stdout: string): AuditReport {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (cause) {
    throw new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', `Expected one JSON line from proofline-audit, got ${JSON.stringify(line.slice(0, 200))}`, { cause });
  }
  const parsed = AuditReportSchema.safeParse(json);
  if (!parsed.success) throw new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', `proofline-audit printed JSON of the wrong shape: ${parsed.error.issues[0]?.message}`, { cause: parsed.error });
  return parsed.data;
}

/** Our own tools hitting a limit, dying by signal or flooding output is an infrastructure failure. */
function expectToolRan(tool: string, run: RunResult): void {
  if (run.timedOut || run.memoryExceeded || run.outputExceeded || run.signal !== null) throw crashed(tool, run);
}

function errorMessages(stdout: string): LeanMessage[] {
  return parseLeanJsonOutput(stdout).filter((m) => m.severity === 'error');
}

function firstOutputLine(run: RunResult): string {
  return (run.stdout + run.stderr).trim().split('\n', 1)[0] ?? '';
}

function crashed(tool: string, run: RunResult): ProoflineError {
  const how = run.timedOut ? 'timed out' : run.memoryExceeded ? 'exceeded the memory limit' : run.outputExceeded ? 'flooded its output' : `exit ${run.exitCode}, signal ${run.signal}`;
  return new ProoflineError('LEAN_CRASHED', `${tool} failed (${how}): ${run.stderr.trim().slice(-500)}`, {
    details: { tool, exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut, memoryExceeded: run.memoryExceeded },
  });
}

function reject(reason: Decision['reason'] & string, detail: string, axioms: string[] | null = null): Decision {
  return { kind: 'rejected', reason, layer: 'L3', detail, axioms };
}
