import { createHash } from 'node:crypto';
import type { CheckInput } from '../../pipeline/schemas/problem.ts';

/**
 * Everything besides the input line that decides a verdict line, for `resume_key`. Order and
 * shape are fixed here, so the same settings always hash the same.
 */
export interface ResumeSettings {
  /** `check` or `lint`: their lines mean different things even for one input. */
  command: 'check' | 'lint';
  checkerVersion: string;
  /** Content hash of the policy (`policyDigest`): a policy file edited in place changes it. */
  policyDigest: string;
  /** `check` only: the toolchain that elaborated. */
  leanVersion?: string;
  mathlibRev?: string | null;
  budget?: { timeoutMs: number; memoryLimitMb: number };
  /** L3 on or off (`--no-confirm`). */
  confirm?: boolean;
  /** L4 settings, or null when L4 cannot audit anything (L3 off, no kernel, or a zero sample rate). */
  l4?: { sampleRate: number; kernelCommand: readonly string[] } | null;
}

/**
 * The key stored with each output line (`resume_key`): sha256 over the settings and the input's
 * header, formal_statement and completion. A resumed run skips an id only when its line carries
 * exactly the key this run would write. The id and any extra input fields are not part of it: they
 * do not change the verdict. The runner and the sandbox are not part of it either: both runners and
 * every sandbox must give the same verdict for the same candidate (the contract suite holds them to
 * it), so switching runner reuses verdicts, as the verdict cache does. Infrastructure-only settings
 * (header_timeout_ms, max_attempts, pool, lean.env) decide errors, never verdicts, and errors are
 * always redone.
 */
export function resumeKey(settings: ResumeSettings, input: Pick<CheckInput, 'header' | 'formal_statement' | 'completion'>): string {
  const fields = [
    settings.command,
    settings.checkerVersion,
    settings.policyDigest,
    settings.leanVersion ?? null,
    settings.mathlibRev ?? null,
    settings.budget === undefined ? null : [settings.budget.timeoutMs, settings.budget.memoryLimitMb],
    settings.confirm ?? null,
    settings.l4 === undefined || settings.l4 === null ? null : [settings.l4.sampleRate, [...settings.l4.kernelCommand]],
    input.header,
    input.formal_statement,
    input.completion,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
