import { spawn, type StdioOptions } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { ProoflineError } from '../errors.ts';
import { startMemoryWatch } from './memory-watch.ts';
import { killProcessTree, TreeMemoryReader } from './process-tree.ts';
import { resolveHostCommand } from './resolve-host-command.ts';
import { TailBuffer } from './tail-buffer.ts';
import type { ExitStatus, SandboxDriver, SandboxedCommand, SandboxSpec } from './sandbox/sandbox-driver.ts';

/** The slice of a pino logger the process layer uses. */
export interface ProcessLogger {
  debug(fields: Record<string, unknown>, message: string): void;
}

export interface LeanProcessOptions {
  driver: SandboxDriver;
  spec: SandboxSpec;
  logger?: ProcessLogger;
  /** Bytes of stderr kept (the tail; stderr is always drained so the process never blocks on it); default 64 KiB. */
  stderrTailBytes?: number;
}

/**
 * One sandboxed Lean process, owned for its whole life: it runs in its own process group, stderr
 * is drained into a bounded tail, and `kill()` takes down the group and every descendant. Nothing
 * it started outlives its exit: leftover group members are killed when the launcher exits.
 */
export interface LeanProcess {
  /** The launcher's pid (bwrap, docker, or the command itself under `none`); also its process group id. */
  readonly pid: number;
  /** Write requests here. EPIPE after the process died is swallowed: `exited` reports the death. */
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** The last `stderrTailBytes` of stderr, as text. */
  stderrTail(): string;
  /**
   * Resident memory of the whole process tree in MiB (sandbox launchers included, and the
   * container the driver started); 0 once exited. Rejects when /proc cannot be read (EMFILE…).
   */
  rssMb(): Promise<number>;
  /** The cidfile of the container the driver started (SandboxedCommand.containerIdFile), or null. */
  readonly containerIdFile: string | null;
  /** SIGKILLs the process group and every descendant found in /proc (and the container). Idempotent. */
  kill(): void;
  /** True once `kill()` was called. */
  readonly isKilled: boolean;
  /**
   * Resolves when the launcher exited and stderr was drained, with the *command's* status decoded
   * by the driver (a command killed by SIGSEGV reads `signal: 'SIGSEGV'` under bwrap too); after
   * `kill()` it reads `signal: 'SIGKILL'`. Rejects with LEAN_SPAWN_FAILED when the sandbox failed
   * to set up (bwrap exited without starting the command). Never an unhandled rejection.
   */
  readonly exited: Promise<ExitStatus>;
}

const DEFAULT_STDERR_TAIL_BYTES = 64 * 1024;
/** After the launcher exits, how long its pipes may stay open (held by a dying descendant). */
const STREAM_GRACE_MS = 1000;

/**
 * Spawns `command args` through the driver in its own process group. Resolves once the launcher
 * runs; throws ProoflineError LEAN_SPAWN_FAILED when the command (or the launcher) cannot be
 * spawned: ENOENT, EACCES, bad cwd.
 */
export async function spawnLeanProcess(command: string, args: readonly string[], options: LeanProcessOptions): Promise<LeanProcess> {
  const { driver, spec, logger } = options;
  const wrapped = driver.wrap(command, args, spec);
  const where = `Cannot spawn \`${command}\` in ${spec.cwd}`;
  if (driver.seesHostCommand) {
    const resolved = resolveHostCommand(command, spec.env.PATH, spec.cwd);
    if (!resolved.ok) {
      throw new ProoflineError('LEAN_SPAWN_FAILED', `${where}: ${resolved.errno} (${resolved.reason}; sandbox: ${driver.name})`, {
        details: { command, cwd: spec.cwd, errno: resolved.errno, sandbox: driver.name },
      });
    }
  }
  const stdio: StdioOptions = ['pipe', 'pipe', 'pipe'];
  if (wrapped.statusFd !== null) {
    while (stdio.length < wrapped.statusFd) stdio.push('ignore');
    stdio.push('pipe');
  }
  const child = spawn(wrapped.command, wrapped.args, { cwd: wrapped.cwd, env: wrapped.env, detached: true, stdio });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (cause) {
    const errno = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
    const via = wrapped.command === command ? '' : ` through the ${driver.name} launcher \`${wrapped.command}\``;
    throw new ProoflineError('LEAN_SPAWN_FAILED', `${where}${via}: ${errno}`, {
      cause,
      details: { command, launcher: wrapped.command, cwd: spec.cwd, errno, sandbox: driver.name },
    });
  }
  const pid = child.pid!;
  child.on('error', () => {}); // Post-spawn errors (none expected: we never use child.kill) must not crash us.
  child.stdin!.on('error', () => {});
  child.stdout!.on('error', () => {});

  const stderr = new TailBuffer(options.stderrTailBytes ?? DEFAULT_STDERR_TAIL_BYTES);
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  const status = wrapped.statusFd === null ? null : new TailBuffer(64 * 1024);
  const statusStream = wrapped.statusFd === null ? null : (child.stdio[wrapped.statusFd] as Readable);
  statusStream?.on('data', (chunk: Buffer) => status!.push(chunk));

  let isKilled = false;
  let hasExited = false;
  const containerIdFile = wrapped.containerIdFile ?? null;
  const memory = new TreeMemoryReader(pid, { containerIdFile });
  const kill = (): void => {
    if (isKilled) return;
    isKilled = true;
    if (hasExited) return;
    const pids = killProcessTree(pid, pid);
    if (wrapped.killCommand !== null) runKillCommand(wrapped.killCommand);
    logger?.debug({ pid, command, sandbox: driver.name, signalled: pids.length }, 'lean process killed');
  };

  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      memory.close();
      // The group outlives its leader when a child stayed behind (not under bwrap: its pid namespace died with it).
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is empty, as it should be.
      }
      const streams = [child.stderr!, ...(statusStream ? [statusStream] : [])];
      void waitClosed(streams, STREAM_GRACE_MS).then(() => {
        const launcher: ExitStatus = { code, signal };
        logger?.debug({ pid, command, sandbox: driver.name, ...launcher, isKilled }, 'lean process exited');
        if (status !== null && !isKilled && code !== null && !hasExitCodeDocument(status.text())) {
          reject(setupFailure(command, spec.cwd, wrapped, code, stderr.text()));
          return;
        }
        resolve(driver.decodeExit(launcher));
      });
    });
  });
  exited.catch(() => {});

  logger?.debug({ pid, command, sandbox: driver.name, cwd: spec.cwd }, 'lean process spawned');
  return {
    pid,
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderrTail: () => stderr.text(),
    rssMb: () => (hasExited ? Promise.resolve(0) : memory.readRssMb()),
    containerIdFile,
    kill,
    get isKilled() {
      return isKilled;
    },
    exited,
  };
}

export interface RunLeanProcessOptions extends LeanProcessOptions {
  /** Wall clock from spawn; past it the whole tree is killed and the result says `timedOut`. */
  timeoutMs: number;
  /** RSS of the whole tree above which it is killed and the result says `memoryExceeded` (keep it below spec.memoryLimitMb). */
  memoryLimitMb: number;
  /** Written to stdin, which is then closed (closed at once when absent). */
  input?: string;
  /** RSS sampling period; default 200. */
  rssPollMs?: number;
  /** stdout kept at most; past it the tree is killed and the result says `outputExceeded`. Default 64 MiB. */
  maxOutputBytes?: number;
}

/**
 * How a one-shot process ended. Limits are results, not errors: the checker turns them into
 * rejections. At most one of `timedOut`, `memoryExceeded`, `outputExceeded` is true: the first limit
 * reached kills the tree.
 */
export interface RunResult {
  stdout: string;
  /** The tail of stderr (the last `stderrTailBytes`, default 64 KiB). */
  stderr: string;
  /** The command's own exit code (decoded through the driver); null when it died by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  memoryExceeded: boolean;
  outputExceeded: boolean;
  elapsedMs: number;
  /** Highest RSS sample of the tree, in MiB (0 when the process ended before the first sample). */
  peakRssMb: number;
}

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs one sandboxed process to completion (the cli runner, L3 steps) under a wall clock, an RSS
 * watch and an output cap. Throws ProoflineError LEAN_SPAWN_FAILED when it cannot start; temp dirs
 * are the caller's.
 */
export async function runLeanProcess(command: string, args: readonly string[], options: RunLeanProcessOptions): Promise<RunResult> {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const startedAt = performance.now();
  const proc = await spawnLeanProcess(command, args, options);

  let limit: 'timeout' | 'memory' | 'output' | null = null;
  let watchFailure: unknown = null;
  const stopFor = (reason: 'timeout' | 'memory' | 'output'): void => {
    if (limit !== null || proc.isKilled) return;
    limit = reason;
    proc.kill();
  };

  const chunks: Buffer[] = [];
  let outputBytes = 0;
  proc.stdout.on('data', (chunk: Buffer) => {
    if (outputBytes + chunk.length > maxOutputBytes) {
      stopFor('output');
      return;
    }
    outputBytes += chunk.length;
    chunks.push(chunk);
  });

  let peakRssMb = 0;
  const stopWatch = startMemoryWatch(proc, {
    limitMb: options.memoryLimitMb,
    pollMs: options.rssPollMs ?? 200,
    onSample: (rssMb) => {
      peakRssMb = Math.max(peakRssMb, rssMb);
    },
    onExceeded: () => stopFor('memory'),
    onFailure: (error) => {
      // Memory unknown: the limit cannot be enforced, so the run ends as an infrastructure error.
      if (limit !== null || proc.isKilled) return;
      watchFailure = error;
      proc.kill();
    },
  });
  const timer = setTimeout(() => stopFor('timeout'), options.timeoutMs);
  proc.stdin.end(options.input ?? '');

  try {
    const exit = await proc.exited;
    const elapsedMs = performance.now() - startedAt;
    if (watchFailure !== null) throw memoryWatchFailure(command, watchFailure);
    await waitClosed([proc.stdout], STREAM_GRACE_MS);
    return {
      stdout: Buffer.concat(chunks).toString('utf8'),
      stderr: proc.stderrTail(),
      exitCode: exit.code,
      signal: exit.signal,
      timedOut: limit === 'timeout',
      memoryExceeded: limit === 'memory',
      outputExceeded: limit === 'output',
      elapsedMs: Math.round(elapsedMs),
      peakRssMb: Math.round(peakRssMb),
    };
  } finally {
    clearTimeout(timer);
    stopWatch();
    proc.kill();
  }
}

/** bwrap writes `{ "exit-code": N }` on its status fd once the command ran; its absence means set-up failed. */
function hasExitCodeDocument(text: string): boolean {
  return text.split('\n').some((line) => {
    try {
      const document: unknown = JSON.parse(line);
      return typeof document === 'object' && document !== null && 'exit-code' in document;
    } catch {
      return false;
    }
  });
}

function setupFailure(command: string, cwd: string, wrapped: SandboxedCommand, code: number, stderrTail: string): ProoflineError {
  const reason = stderrTail.trim().split('\n').slice(-5).join(' | ');
  return new ProoflineError(
    'LEAN_SPAWN_FAILED',
    `Cannot start \`${command}\` in ${cwd}: the sandbox launcher \`${wrapped.command}\` exited ${code} before running it: ${reason || '(no stderr)'}`,
    { details: { command, cwd, launcher: wrapped.command, launcherExitCode: code } },
  );
}

/** The memory watch could not read the tree: retryable, never a verdict. */
export function memoryWatchFailure(command: string, cause: unknown): ProoflineError {
  const errno = (cause as NodeJS.ErrnoException | null)?.code;
  return new ProoflineError('CHECKER_INTERNAL', `The memory watch of \`${command}\` failed (${errno ?? String(cause)}); the process was killed`, {
    cause,
    details: { command, errno: errno ?? null },
  });
}

function runKillCommand(killCommand: { command: string; args: string[] }): void {
  const killer = spawn(killCommand.command, killCommand.args, { stdio: 'ignore', env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
  killer.on('error', () => {});
  killer.unref();
}

function waitClosed(streams: readonly Readable[], graceMs: number): Promise<void> {
  const closes = streams.map((stream) =>
    stream.closed ? Promise.resolve() : new Promise<void>((resolve) => stream.once('close', () => resolve())),
  );
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      for (const stream of streams) stream.destroy();
      resolve();
    }, graceMs);
  });
  return Promise.race([Promise.all(closes).then(() => undefined), grace]).finally(() => clearTimeout(timer));
}
