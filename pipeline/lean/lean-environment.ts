import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SandboxSpec } from './sandbox/sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';

/**
 * The sandbox spec every Lean process gets: the toolchain read-only, one private writable work
 * directory, and an environment built from scratch (nothing inherited from the checker's process).
 */
export function leanSandboxSpec(
  toolchain: Toolchain,
  options: { workDir: string; cwd?: string; memoryLimitMb: number; extraEnv?: Readonly<Record<string, string>>; extraLeanPath?: string[]; extraReadOnlyPaths?: readonly string[] },
): SandboxSpec {
  // Extra entries go LAST: a module planted in a writable dir must never shadow the toolchain's.
  const leanPath = [...toolchain.leanPath, ...(options.extraLeanPath ?? [])];
  return {
    readOnlyPaths: [...new Set([...toolchain.readOnlyPaths, ...(options.extraReadOnlyPaths ?? [])])],
    writablePaths: [options.workDir],
    cwd: options.cwd ?? options.workDir,
    env: {
      ...options.extraEnv,
      // The toolchain's bin first (the REPL finds `lean` for its sysroot), then the interpreter of
      // script-based toolchains (the test double), then the system.
      PATH: [join(toolchain.home, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      LEAN_PATH: leanPath.join(':'),
      // Without it every Lean process (the REPL on every command, leanchecker, the auditor) runs
      // `lean --print-prefix` as a new process to find its own library.
      LEAN_SYSROOT: leanSysroot(toolchain),
      HOME: options.workDir,
      TMPDIR: options.workDir,
      LANG: 'C.UTF-8',
    },
    // Kernel backstop above the RSS watch, so that the watch (a clean memory_limit) decides first.
    memoryLimitMb: Math.max(options.memoryLimitMb * 2, options.memoryLimitMb + 1024),
    cpuLimitSeconds: null,
  };
}

const sysroots = new Map<string, string>();

/**
 * Lean's sysroot: the directory holding `bin/lean` and `lib/lean`, i.e. the toolchain's own root —
 * `bin/lean` of a Lean home is a symlink into it (elan's toolchains/<version>/). Resolved once per
 * binary; it is among the toolchain's read-only paths (locate-toolchain.ts binds the same root).
 */
export function leanSysroot(toolchain: Pick<Toolchain, 'leanBin'>): string {
  let sysroot = sysroots.get(toolchain.leanBin);
  if (sysroot !== undefined) return sysroot;
  try {
    sysroot = dirname(dirname(realpathSync(toolchain.leanBin)));
  } catch {
    // No binary there (yet): the path as given; spawning it fails with LEAN_SPAWN_FAILED anyway.
    return dirname(dirname(toolchain.leanBin));
  }
  sysroots.set(toolchain.leanBin, sysroot);
  return sysroot;
}
