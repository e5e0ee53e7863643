import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import { classifyAxioms } from './axioms.ts';
import type { Decision } from './decide-verdict.ts';
import type { AssembledCandidate, ElaborationBudget } from './elaboration.ts';
import { runLeanProcess, type RunResult } from './lean-process.ts';
import { leanSandboxSpec } from './lean-environment.ts';
import { normalizeLeanJsonMessage, parseLeanJsonLines } from './parse-messages.ts';
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
  // Three directories, so nothing the candidate's process can write is ever read as trusted:
  // the reference is compiled first, in a directory the candidate's sandbox cannot even see.
  const referenceDir = join(root, 'reference');
  const candidateDir = join(root, 'candidate');
  const scratchDir = join(root, 'scratch');
  await Promise.all([referenceDir, candidateDir, scratchDir].map((dir) => mkdir(dir)));
  const started = performance.now();
  const remaining = (): number => Math.max(1, budget.timeoutMs - (performance.now() - started));
  const run = (command: string, args: string[], workDir: string, readOnly: string[] = [], leanPathExtra: string[] = readOnly): Promise<RunResult> =>
    runLeanProcess(command, args, {
      driver,
      spec: leanSandboxSpec(toolchain, { workDir, memoryLimitMb: budget.memoryLimitMb, extraLeanPath: leanPathExtra, extraReadOnlyPaths: readOnly, extraEnv: options.extraEnv ?? {} }),
      timeoutMs: remaining(),
      memoryLimitMb: budget.memoryLimitMb,
    });
  try {
    await writeFile(join(referenceDir, 'Reference.lean'), `${candidate.header}\n\n${formalStatement}\n`);
    const reference = await run(toolchain.leanBin, ['--json', '-R', referenceDir, '-o', join(referenceDir, 'Reference.olean'), join(referenceDir, 'Reference.lean')], referenceDir);
    if (reference.timedOut || reference.memoryExceeded || reference.exitCode !== 0) {
      throw new ProoflineError('LEAN_HEADER_FAILED', `The reference statement does not compile in a clean environment (exit ${reference.exitCode}${reference.timedOut ? ', timed out' : ''})`, {
        details: { stdout: reference.stdout.slice(0, 1000) },
      });
    }

    await writeFile(join(candidateDir, 'Candidate.lean'), `${candidate.text}\n`);
    const compiled = await run(toolchain.leanBin, ['--json', '-R', candidateDir, '-o', join(candidateDir, 'Candidate.olean'), join(candidateDir, 'Candidate.lean')], candidateDir);
    const limit = limitDecision(compiled);
    if (limit !== null) return limit;
    const errors = parseLeanJsonLines(compiled.stdout).map((m) => normalizeLeanJsonMessage(m)).filter((m) => m.severity === 'error');
    if (errors.length > 0 || compiled.exitCode !== 0) {
      const first = errors[0];
      return reject('lean_error', first ? `Fresh compilation failed at line ${first.line}: ${first.data.split('\n', 1)[0]}` : `Fresh compilation exited ${compiled.exitCode}`);
    }

    const replay = await run(toolchain.leancheckerBin, ['Candidate'], scratchDir, [candidateDir]);
    const replayLimit = limitDecision(replay);
    if (replayLimit !== null) return replayLimit;
    if (replay.signal !== null) throw crashed('leanchecker', replay);
    if (replay.exitCode !== 0) {
      return reject('kernel_rejected', `Kernel replay (leanchecker) rejected the compiled module: ${(replay.stdout + replay.stderr).trim().split('\n', 1)[0] ?? ''}`);
    }

    const auditArgs = ['--candidate', 'Candidate', '--reference', 'Reference', '--target', candidate.target, '--search-path', referenceDir, '--search-path', candidateDir];
    const audited = await run(toolchain.auditBin, auditArgs, scratchDir, [referenceDir, candidateDir]);
    const auditLimit = limitDecision(audited);
    if (auditLimit !== null) return auditLimit;
    if (audited.exitCode !== 0 || audited.signal !== null) throw crashed('proofline-audit', audited);
    const judged = judgeAudit(parseAudit(audited.stdout), candidate.target, options.allowedAxioms);
    if (judged !== null || !options.independentKernel) return judged;

    const [command, ...args] = options.independentKernel.map((part) =>
      part.replaceAll('{olean}', join(candidateDir, 'Candidate.olean')).replaceAll('{module}', 'Candidate').replaceAll('{lean_path}', [...toolchain.leanPath, candidateDir].join(':')),
    );
    const kernelDirs = options.independentKernel.filter((part) => part.startsWith('/')).map((part) => dirname(part));
    const independent = await run(command!, args, scratchDir, [candidateDir, ...kernelDirs], [candidateDir]);
    if (independent.timedOut) return { ...reject('timeout', 'The independent kernel (L4) did not finish within the budget'), layer: 'L4' };
    if (independent.memoryExceeded) return { ...reject('memory_limit', 'The independent kernel (L4) exceeded the memory budget'), layer: 'L4' };
    if (independent.signal !== null) throw crashed('independent kernel', independent);
    if (independent.exitCode !== 0) {
      return { ...reject('kernel_rejected', `The independent kernel (L4) rejected the module: ${(independent.stdout + independent.stderr).trim().split('\n', 1)[0] ?? ''}`), layer: 'L4' };
    }
    return null;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
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

function limitDecision(run: RunResult): Decision | null {
  if (run.timedOut) return reject('timeout', `Confirmation did not finish within the budget (${Math.round(run.elapsedMs)} ms)`);
  if (run.memoryExceeded) return reject('memory_limit', 'Confirmation exceeded the memory budget');
  return null;
}

function crashed(tool: string, run: RunResult): ProoflineError {
  return new ProoflineError('LEAN_CRASHED', `${tool} failed (exit ${run.exitCode}, signal ${run.signal}): ${run.stderr.trim().slice(-500)}`, {
    details: { tool, exitCode: run.exitCode, signal: run.signal },
  });
}

function reject(reason: Decision['reason'] & string, detail: string, axioms: string[] | null = null): Decision {
  return { kind: 'rejected', reason, layer: 'L3', detail, axioms };
}
