import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ProoflineError } from '../errors.ts';
import { memoryWatchFailure, spawnLeanProcess, type LeanProcess } from './lean-process.ts';
import { startMemoryWatch } from './memory-watch.ts';
import { listProcessTree, PeakMemoryProbe } from './process-tree.ts';
import { leanSandboxSpec } from './lean-environment.ts';
import { encodeReplRequest, parseReplResponse, ReplResponseDecoder, type ReplResponse } from './repl-protocol.ts';
import type { SandboxDriver } from './sandbox/sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';

export interface ReplSessionOptions {
  toolchain: Toolchain;
  driver: SandboxDriver;
  header: string;
  headerTimeoutMs: number;
  memoryLimitMb: number;
  /** Parent of this process's private work directory. */
  tmpRoot: string;
  /** `lean.env`: extra environment for the process. */
  extraEnv?: Readonly<Record<string, string>>;
  /** Bytes one response may take (default MAX_REPL_RESPONSE_BYTES); past it: `output_limit`. */
  maxResponseBytes?: number;
}

export type ReplOutcome =
  | { kind: 'response'; response: ReplResponse }
  | { kind: 'timeout' }
  | { kind: 'memory_limit' }
  /** The response grew past the cap: the process was killed (its output is the candidate's doing). */
  | { kind: 'output_limit' };

interface Pending {
  resolve: (outcome: ReplOutcome) => void;
  reject: (error: ProoflineError) => void;
}

/**
 * One long-lived Lean REPL process with one trusted header imported (env `headerEnv`). Requests
 * run one at a time. A timeout or memory overrun kills the whole process group; the session is
 * then unusable and the pool replaces it. A crash or an out-of-protocol answer is thrown as a
 * retryable ProoflineError: it says nothing about the candidate.
 */
export class ReplSession {
  readonly header: string;
  checks = 0;
  #process: LeanProcess;
  #workDir: string;
  #decoder: ReplResponseDecoder;
  #pending: Pending | null = null;
  #isUsable = true;
  #exitError: ProoflineError | null = null;
  #headerEnv = -1;
  #memoryLimitMb: number;
  #stopWatch: () => void;
  /** The sandbox's process tree once the header is in, kept open for a peak-RSS read after every answer. */
  #peakProbe: PeakMemoryProbe | null = null;
  /** The last resident-memory sample of the process tree (MiB), for recycling decisions. */
  lastRssMb = 0;

  private constructor(header: string, process: LeanProcess, workDir: string, memoryLimitMb: number, maxResponseBytes: number | undefined) {
    this.header = header;
    this.#decoder = new ReplResponseDecoder({ maxResponseBytes });
    this.#process = process;
    this.#workDir = workDir;
    this.#memoryLimitMb = memoryLimitMb;
    // One watch for the session's whole life (a /proc scan every 200 ms), not one per request.
    this.#stopWatch = startMemoryWatch(process, {
      limitMb: memoryLimitMb,
      onSample: (rssMb) => {
        this.lastRssMb = rssMb;
      },
      onExceeded: () => this.#onMemoryExceeded(),
      onFailure: (error) => this.#onWatchFailure(error),
    });
    process.stdout.on('data', (chunk: Buffer) => this.#onEvents(this.#decoder.push(chunk)));
    process.exited.then(
      (status) => this.#onExit(new ProoflineError('LEAN_CRASHED', `The Lean REPL (pid ${process.pid}) exited (code ${status.code}, signal ${status.signal}) ${this.#stderrNote()}`, { details: { ...status } })),
      (error: unknown) => this.#onExit(error instanceof ProoflineError ? error : new ProoflineError('LEAN_SPAWN_FAILED', `Cannot start the Lean REPL: ${String(error)}`, { cause: error })),
    );
  }

  static async start(options: ReplSessionOptions): Promise<ReplSession> {
    const workDir = await mkdtemp(join(options.tmpRoot, 'repl-'));
    const spec = leanSandboxSpec(options.toolchain, { workDir, cwd: options.toolchain.projectDir, memoryLimitMb: options.memoryLimitMb, extraEnv: options.extraEnv ?? {} });
    let session: ReplSession;
    try {
      session = new ReplSession(options.header, await spawnLeanProcess(options.toolchain.replBin, [], { driver: options.driver, spec }), workDir, options.memoryLimitMb, options.maxResponseBytes);
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
    try {
      await session.#importHeader(options);
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  get headerEnv(): number {
    return this.#headerEnv;
  }

  get isUsable(): boolean {
    return this.#isUsable && this.#exitError === null;
  }

  get pid(): number {
    return this.#process.pid;
  }

  /**
   * Sends one request and waits for its answer, the time budget, or the process's death. Memory:
   * the session's watch (periodic) and the tree's peak RSS read after the answer (catches spikes)
   * both turn an overrun into `memory_limit` and end the session.
   */
  run(request: Record<string, unknown>, budget: { timeoutMs: number }): Promise<ReplOutcome> {
    if (!this.isUsable) {
      return Promise.reject(this.#exitError ?? new ProoflineError('LEAN_CRASHED', `The Lean REPL (pid ${this.#process.pid}) is no longer usable`));
    }
    if (this.#pending !== null) throw new Error('ReplSession.run called while a request is in flight');
    return new Promise<ReplOutcome>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#pending = null;
      };
      const timer = setTimeout(() => {
        finish();
        this.#abandon();
        resolve({ kind: 'timeout' });
      }, budget.timeoutMs);
      this.#pending = {
        resolve: (outcome) => {
          finish();
          if (outcome.kind === 'response') {
            let peakMb: number;
            try {
              peakMb = this.#peakRssMb();
            } catch (error) {
              // Memory unknown (EMFILE…): an infrastructure error, never a verdict.
              const failure = memoryWatchFailure(this.#replCommand(), error);
              this.#exitError ??= failure;
              this.#abandon();
              reject(failure);
              return;
            }
            if (peakMb > this.#memoryLimitMb) {
              this.#abandon();
              resolve({ kind: 'memory_limit' });
              return;
            }
          }
          resolve(outcome);
        },
        reject: (error) => {
          finish();
          this.#isUsable = false;
          reject(error);
        },
      };
      this.#process.stdin.write(encodeReplRequest(request));
    });
  }

  /** Kills the process group and removes the work directory. Idempotent. */
  async close(): Promise<void> {
    this.#abandon();
    await this.#process.exited.catch(() => undefined);
    await rm(this.#workDir, { recursive: true, force: true });
  }

  async #importHeader(options: ReplSessionOptions): Promise<void> {
    const outcome = await this.run({ cmd: options.header }, { timeoutMs: options.headerTimeoutMs });
    if (outcome.kind !== 'response') {
      const limit = outcome.kind === 'timeout' ? `header timeout (${options.headerTimeoutMs} ms)` : outcome.kind === 'memory_limit' ? 'memory limit' : 'response size limit';
      throw new ProoflineError('LEAN_CRASHED', `Importing the header hit the ${limit}`, { details: { outcome: outcome.kind } });
    }
    const { response } = outcome;
    if (response.kind === 'error') {
      throw new ProoflineError('LEAN_PROTOCOL_ERROR', `The REPL refused the header command: ${response.message}`);
    }
    const error = response.messages.find((m) => m.severity === 'error');
    if (error !== undefined) {
      throw new ProoflineError('LEAN_HEADER_FAILED', `The trusted header does not elaborate (line ${error.pos.line}): ${error.data.split('\n', 1)[0]}`, { details: { message: error.data } });
    }
    this.#headerEnv = response.env;
    // The sandbox's process tree is stable from here on; keep it open for cheap peak-RSS reads.
    if (this.#isUsable) {
      try {
        this.#peakProbe = new PeakMemoryProbe(listProcessTree(this.#process.pid), { containerIdFile: this.#process.containerIdFile });
      } catch (error) {
        throw memoryWatchFailure(this.#replCommand(), error);
      }
    }
  }

  #peakRssMb(): number {
    return this.#peakProbe?.readPeakMb() ?? 0;
  }

  /** The watch could not sample: the limit is unenforceable, so the session ends with an infrastructure error. */
  #onWatchFailure(cause: unknown): void {
    const error = memoryWatchFailure(this.#replCommand(), cause);
    this.#exitError ??= error;
    const pending = this.#pending;
    this.#abandon();
    pending?.reject(error);
  }

  #replCommand(): string {
    return `Lean REPL (pid ${this.#process.pid})`;
  }

  #onMemoryExceeded(): void {
    const pending = this.#pending;
    this.#abandon();
    pending?.resolve({ kind: 'memory_limit' });
  }

  #onEvents(events: ReturnType<ReplResponseDecoder['push']>): void {
    for (const event of events) {
      const pending = this.#pending;
      if (pending === null) {
        // Output nobody asked for: the process is out of protocol; never trust it again.
        this.#isUsable = false;
        continue;
      }
      if (event.kind === 'error' && event.overflowBytes !== undefined) {
        // Never buffer the rest: kill the process now; only this check is affected.
        this.#abandon();
        pending.resolve({ kind: 'output_limit' });
        continue;
      }
      if (event.kind === 'error') {
        pending.reject(event.error);
        continue;
      }
      try {
        pending.resolve({ kind: 'response', response: parseReplResponse(event.value) });
      } catch (error) {
        pending.reject(error as ProoflineError);
      }
    }
  }

  #onExit(error: ProoflineError): void {
    this.#exitError ??= error;
    this.#isUsable = false;
    const trailing = this.#decoder.end();
    const pending = this.#pending;
    if (pending === null) return;
    const protocolError = trailing.find((event) => event.kind === 'error');
    pending.reject(protocolError?.kind === 'error' ? new ProoflineError('LEAN_CRASHED', `${error.message}; ${protocolError.error.message}`, { cause: error }) : error);
  }

  #abandon(): void {
    this.#isUsable = false;
    this.#stopWatch();
    this.#process.kill();
    this.#peakProbe?.close();
  }

  #stderrNote(): string {
    const tail = this.#process.stderrTail().trim();
    return tail === '' ? '' : `; stderr: ${tail.slice(-500)}`;
  }
}
