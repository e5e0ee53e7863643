/**
 * How an untrusted Lean process is confined. A driver only rewrites the command line; the process
 * itself is spawned and owned by lean-process.ts (own process group, wall clock, RSS watch).
 */
export interface SandboxSpec {
  /** Paths visible read-only inside the sandbox (toolchain, Lean search path, interpreters). */
  readOnlyPaths: readonly string[];
  /** Paths visible read-write (the candidate's private temp dir). Everything else is invisible or read-only. */
  writablePaths: readonly string[];
  /** Working directory inside the sandbox (must be one of the paths above). */
  cwd: string;
  /** The complete environment of the sandboxed process (nothing is inherited). */
  env: Readonly<Record<string, string>>;
  /** Address-space / memory ceiling enforced by the kernel (rlimit or cgroup). */
  memoryLimitMb: number;
  /** CPU-seconds ceiling (RLIMIT_CPU), or null for none. */
  cpuLimitSeconds: number | null;
}

export interface SandboxedCommand {
  command: string;
  args: string[];
  /** Environment for the *outer* process (the sandbox launcher). */
  env: Record<string, string>;
  /** cwd for the outer process. */
  cwd: string;
}

export interface SandboxDriver {
  readonly name: 'bwrap' | 'container' | 'none';
  /** Rewrites `command args` so that it runs confined by `spec`. Pure: no I/O. */
  wrap(command: string, args: readonly string[], spec: SandboxSpec): SandboxedCommand;
  /** Throws ProoflineError SANDBOX_UNAVAILABLE when the driver cannot work on this machine. */
  assertAvailable(): Promise<void>;
}
