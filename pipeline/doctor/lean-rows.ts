import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LeanConfig } from '../config.ts';
import { isProoflineError } from '../errors.ts';
import { DEFAULT_HOME_RELATIVE, locateToolchain } from '../lean/locate-toolchain.ts';
import { ReplSession } from '../lean/repl-session.ts';
import type { SandboxDriver } from '../lean/sandbox/sandbox-driver.ts';
import type { Toolchain } from '../lean/toolchain.ts';
import { fail, ok, skipped, warn, type DoctorRow } from './doctor-row.ts';

const SETUP_FIX = 'run `npm run setup:lean`, or set PROOFLINE_LEAN_HOME to a Lean home with bin/{lean,lake,leanchecker,repl,proofline-audit} and project/ (lean-project/README.md)';

/** Lean home, toolchain version (against lean-project/lean-toolchain), leanchecker, auditor, Mathlib. */
export async function leanRows(config: LeanConfig, repoRoot: string): Promise<{ rows: DoctorRow[]; toolchain: Toolchain | null }> {
  const home = resolve(repoRoot, config.home ?? DEFAULT_HOME_RELATIVE);
  let toolchain: Toolchain;
  try {
    toolchain = await locateToolchain({ home: config.home, repoRoot, extraReadOnlyPaths: [...config.sandbox_read_only_paths] });
  } catch (error) {
    const why = 'no usable Lean home';
    return {
      rows: [
        fail('Lean home', `${isProoflineError(error) ? `${error.code}: ` : ''}${(error as Error).message}`, SETUP_FIX),
        skipped('Lean toolchain', why),
        skipped('leanchecker', why),
        skipped('auditor', why),
        skipped('Mathlib', why),
      ],
      toolchain: null,
    };
  }
  const pinned = await readPinnedVersion(repoRoot);
  const version =
    pinned === null || pinned === toolchain.leanVersion
      ? ok('Lean toolchain', `Lean ${toolchain.leanVersion}${pinned === null ? '' : ' (the pinned version)'}`)
      : warn('Lean toolchain', `Lean ${toolchain.leanVersion}, but lean-project/lean-toolchain pins ${pinned}: verdicts record the toolchain and may differ from the golden corpus`, 'run `npm run setup:lean` to install the pinned toolchain');
  return {
    rows: [
      ok('Lean home', home === toolchain.home ? home : `${home} → ${toolchain.home}`),
      version,
      ok('leanchecker', join(toolchain.home, 'bin', 'leanchecker')),
      ok('auditor', `${join(toolchain.home, 'bin', 'proofline-audit')}`),
      ok('Mathlib', toolchain.mathlibRev === null ? 'not in the project (Mathlib-free problems only; `PROOFLINE_WITH_MATHLIB=1 npm run setup:lean` adds it)' : `rev ${toolchain.mathlibRev}`),
    ],
    toolchain,
  };
}

/**
 * The REPL as `check` runs it: started in the configured sandbox, importing an empty header (one
 * real request and answer). Skipped without a toolchain or a working sandbox.
 */
export async function replRow(config: LeanConfig, toolchain: Toolchain | null, driver: SandboxDriver | null, tmpRoot: string): Promise<DoctorRow> {
  if (toolchain === null) return skipped('REPL', 'no usable Lean home');
  if (driver === null) return skipped('REPL', `the ${config.sandbox} sandbox does not work (see above)`);
  const started = performance.now();
  try {
    const session = await ReplSession.start({
      toolchain, driver, header: '', headerTimeoutMs: Math.min(config.header_timeout_ms, 60_000), memoryLimitMb: config.memory_limit_mb, tmpRoot, extraEnv: config.env,
    });
    await session.close();
    return ok('REPL', `${toolchain.replBin} answered a command in ${Math.round(performance.now() - started)} ms (sandbox ${driver.name})`);
  } catch (error) {
    const code = isProoflineError(error) ? error.code : 'CHECKER_INTERNAL';
    const fix = code === 'LEAN_SPAWN_FAILED' ? `the ${driver.name} sandbox could not start the REPL: see the sandbox rows, or rebuild the Lean home with \`npm run setup:lean\`` : 'rebuild the REPL with `npm run setup:lean` (lean-project/README.md)';
    return fail('REPL', `${code}: ${(error as Error).message}`, fix);
  }
}

/** "leanprover/lean4:v4.33.0" → "4.33.0"; null when the file is absent or names no version. */
async function readPinnedVersion(repoRoot: string): Promise<string | null> {
  const text = await readFile(join(repoRoot, 'lean-project', 'lean-toolchain'), 'utf8').catch(() => null);
  return /:v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\s*$/.exec(text ?? '')?.[1] ?? null;
}
