/**
 * How an untrusted Lean process is confined. A driver only rewrites the command line; the process
 * itself is spawned and owned by lean-process.ts (own process group, wall clock, RSS watch).
 */
export interface SandboxSpec {
  /** Paths visible read-only inside the sandbox (toolchain, Lean search path, interpreters). Absolute. */
  readOnlyPaths: readonly string[];
  /** Paths visible read-write (the candidate's private temp dir). Everything else is invisible or read-only. */
  writablePaths: readonly string[];
  /** Working directory inside the sandbox (must be one of the paths above, or below one). */
  cwd: string;
  /** The complete environment of the sandboxed process (nothing is inherited). */
  env: Readonly<Record<string, string>>;
  /**
   * Kernel memory ceiling, a backstop behind the RSS watch of lean-process.ts: RLIMIT_DATA under
   * bwrap (private writable memory; Lean's mmapped .olean files do not count, unlike RLIMIT_AS),
   * `--memory` under a container. Set it above the RSS watch limit, so that the watch (a clean
   * `memoryExceeded` result) and not an allocation failure (a crash) decides. Node (the test
   * double) needs at least ~700 MB of RLIMIT_DATA to start.
   */
  memoryLimitMb: number;
  /** CPU-seconds ceiling (RLIMIT_CPU: SIGXCPU at the limit, SIGKILL 5 s later), or null for none. */
  cpuLimitSeconds: number | null;
  /**
   * Processes + threads (RLIMIT_NPROC under bwrap, `--pids-limit` under a container); default 1024.
   * The kernel exempts host uid 0 from RLIMIT_NPROC, so when the checker runs as root only the
   * container driver enforces it; the wall clock, the RSS watch and the group kill still bound it.
   */
  maxProcesses?: number;
  /** RLIMIT_NOFILE; default 4096 (Lean maps each .olean and closes its fd). */
  maxOpenFiles?: number;
  /** Size of the private tmpfs mounted on /tmp inside the sandbox; default 256. */
  tmpSizeMb?: number;
}

export const SANDBOX_DEFAULTS = { maxProcesses: 1024, maxOpenFiles: 4096, tmpSizeMb: 256 } as const;

export interface SandboxedCommand {
  command: string;
  args: string[];
  /** Environment for the *outer* process (the sandbox launcher). */
  env: Record<string, string>;
  /** cwd for the outer process. */
  cwd: string;
  /**
   * When not null, the launcher writes JSON status documents to this fd (bwrap `--json-status-fd`):
   * lean-process.ts opens a pipe there, and a launcher that exits without an `exit-code` document
   * failed to set the sandbox up (LEAN_SPAWN_FAILED), as opposed to the command exiting.
   */
  statusFd: number | null;
  /**
   * A command that kills the sandbox from outside, run (fire and forget) by LeanProcess.kill() when
   * killing the launcher's process tree is not enough (a container keeps running when the
   * `docker run` client dies). null when the tree kill suffices.
   */
  killCommand: { command: string; args: string[] } | null;
  /**
   * The `--cidfile` the container driver chose for this run (the engine writes the container id
   * there), so that the memory watch adds the container's cgroup to the client's tree. Set only by
   * the driver, never read from a process's command line. Absent for drivers without a container.
   */
  containerIdFile?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SandboxDriver {
  readonly name: 'bwrap' | 'container' | 'none';
  /**
   * True when the sandbox sees the command at the same path as the host (bwrap, none), so that
   * lean-process.ts resolves it on the host before spawning and reports ENOENT/EACCES as
   * LEAN_SPAWN_FAILED. False when the command lives elsewhere (a container image).
   */
  readonly seesHostCommand: boolean;
  /** Rewrites `command args` so that it runs confined by `spec`. Pure: no I/O. Throws CONFIG_INVALID on a bad spec. */
  wrap(command: string, args: readonly string[], spec: SandboxSpec): SandboxedCommand;
  /**
   * The sandboxed command's own exit status from the launcher's. Launchers report a command killed
   * by signal N as exit code 128 + N (bwrap, docker); a signal on the launcher itself is kept.
   */
  decodeExit(launcher: ExitStatus): ExitStatus;
  /** Throws ProoflineError SANDBOX_UNAVAILABLE when the driver cannot work on this machine. */
  assertAvailable(): Promise<void>;
}
