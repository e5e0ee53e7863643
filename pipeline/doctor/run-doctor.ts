import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { awsRows, type AwsRowsOptions } from './aws-rows.ts';
import { isProoflineError } from '../errors.ts';
import { policyDigest } from '../lean/policy-digest.ts';
import { loadPolicy, policyId } from '../lean/policy.ts';
import { fail, ok, type DoctorRow } from './doctor-row.ts';
import { leanRows, replRow } from './lean-rows.ts';
import { sandboxRows } from './sandbox-rows.ts';

export interface DoctorOptions extends AwsRowsOptions {
  repoRoot: string;
  /** The PATH of the user running doctor (bwrap is looked up there first). */
  userPath: string | undefined;
  /** Parent of the REPL probe's private temp dir. */
  tmpRoot: string;
}

/**
 * Everything `proofline check` needs with this configuration (Lean home, toolchain, leanchecker,
 * auditor, Mathlib, the configured sandbox, the REPL started in it) and, when configured, what
 * sampling needs (AWS credentials, region, Bedrock and S3 reachability). Never throws for a broken
 * machine: each problem is a `fail` row with its fix.
 */
export async function runDoctor(config: Config, options: DoctorOptions): Promise<DoctorRow[]> {
  const lean = config.lean;
  const [leanResult, sandbox, aws] = await Promise.all([
    leanRows(lean, options.repoRoot),
    sandboxRows(lean, { userPath: options.userPath }),
    awsRows(config.sampler, options),
  ]);
  await mkdir(options.tmpRoot, { recursive: true });
  const tmp = await mkdtemp(join(options.tmpRoot, 'doctor-'));
  let repl: DoctorRow;
  try {
    repl = await replRow(lean, leanResult.toolchain, sandbox.driver, tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const [home, ...restLean] = leanResult.rows;
  return [
    ok('runner / sandbox', `${lean.runner} / ${lean.sandbox}; budget ${lean.timeout_ms} ms, ${lean.memory_limit_mb} MB; L3 ${lean.confirm ? 'on' : 'off'}`),
    policyRow(lean.policy),
    home!,
    ...restLean.slice(0, 1),
    repl,
    ...restLean.slice(1),
    ...sandbox.rows,
    ...aws,
  ];
}

function policyRow(nameOrPath: string): DoctorRow {
  try {
    const policy = loadPolicy(nameOrPath);
    return ok('policy', `${policyId(policy)} (content sha256 ${policyDigest(policy).slice(0, 12)}…)`);
  } catch (error) {
    return fail('policy', `${isProoflineError(error) ? `${error.code}: ` : ''}${(error as Error).message}`, '`--policy strict|standard|FILE` (or `lean.policy`) must name a preset or a valid policy file (datasets/policies/)');
  }
}
