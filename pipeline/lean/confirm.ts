import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
    // Three directories, so nothing the candidate's process can write is ever read as trusted:
    // the reference is compiled first, in a directory the candidate's sandbox cannot even see.
    const referenceDir = join(root, 'reference');
    const candidateDir = join(root, 'candidate');
    const scratchDir = join(root, 'scratch');
    await Promise.all([referenceDir, candidateDir, scratchDir].map((dir) => mkdir(dir)));
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
    await writeFile(join(candidateDir, 'Candidate.lean'), `${candidate.text}\n`);
    const compileArgs = ['--json', '-R', candidateDir, '-o', join(candidateDir, 'Candidate.olean'), join(candidateDir, 'Candidate.lean')];
    const compiled = await run(toolchain.leanBin, compileArgs, candidateDir, budget.timeoutMs + reference.elapsedMs);
    if (compiled.timedOut) return reject('timeout', `The fresh compile did not finish within the budget (${Math.round(compiled.elapsedMs)} ms)`);
    if (compiled.memoryExceeded) return reject('memory_limit', 'The fresh compile exceeded the memory budget');
    if (compiled.outputExceeded) return reject('lean_error', 'The fresh compile printed more output than the checker keeps (an error cascade)');
    if (compiled.signal !== null) throw crashed('lean (candidate)', compiled);
    const errors = errorMessages(compiled.stdout);
    if (errors.length > 0) return reject('lean_error', `Fresh compilation failed at line ${errors[0]!.line}: ${errors[0]!.data.split('\n', 1)[0]}`);
    if (compiled.exitCode !== 0) throw crashed('lean (candidate)', compiled);

    const replay = await run(toolchain.leancheckerBin, ['Candidate'], scratchDir, infraMs, [candidateDir]);
    expectToolRan('leanchecker', replay);
    if (replay.exitCode !== 0) {
      // Tell a kernel rejection from a broken tool without reading its text: replay our own reference.
      const control = await run(toolchain.leancheckerBin, ['Reference'], scratchDir, infraMs, [referenceDir]);
      if (control.exitCode !== 0 || control.signal !== null || control.timedOut) throw crashed('leanchecker (fails on the trusted reference too)', replay);
      return reject('kernel_rejected', `Kernel replay (leanchecker) rejected the compiled module: ${firstOutputLine(replay)}`);
    }

    const auditArgs = ['--candidate', 'Candidate', '--reference', 'Reference', '--target', candidate.target, '--search-path', referenceDir, '--search-path', candidateDir];
    const audited = await run(toolchain.auditBin, auditArgs, scratchDir, infraMs, [referenceDir, candidateDir]);
    expectToolRan('proofline-audit', audited);
    if (audited.exitCode !== 0) throw crashed('proofline-audit', audited);
    const judged = judgeAudit(parseAudit(audited.stdout), candidate.target, options.allowedAxioms);
    if (judged !== null || !options.independentKernel) return judged;

    return await runIndependentKernel(options.independentKernel, { candidateDir, referenceDir, scratchDir, leanPath: toolchain.leanPath, run: (c, a, ro, lp) => run(c, a, scratchDir, infraMs, ro, lp) });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** L4: the configured independent kernel on the candidate's module; a rejection counts only if it accepts our reference. */
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
  if (report.target !== target || !report.found) return reject('statement_mismatch', `The compiled module does not declare the target \`${target}\``);
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
