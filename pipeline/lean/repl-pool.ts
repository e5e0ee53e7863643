import type { Logger } from 'pino';
import { ProoflineError } from '../errors.ts';
import { ReplSession, type ReplSessionOptions } from './repl-session.ts';

export interface ReplPoolOptions {
  /** Sessions checking at once (callers are expected to bound their own concurrency to this). */
  size: number;
  /** Idle sessions per header kept imported, so a recycle or a timeout never waits on an import. */
  warmSpares: number;
  maxChecksPerProcess: number;
  maxRssMb: number;
  session: Omit<ReplSessionOptions, 'header'>;
  logger?: Logger | undefined;
}

export interface ReplPoolStats {
  started: number;
  recycled: number;
  killed: number;
  /** Healthy sessions closed after one check because the candidate declared auxiliary code. */
  retired: number;
  headerImports: number;
  idle: number;
  busy: number;
}

/**
 * Long-lived REPL processes keyed by header. A candidate always runs on its session's header env,
 * never on a previous candidate's env. Sessions are recycled after `maxChecksPerProcess` checks or
 * above `maxRssMb` (the REPL never frees environments); killed sessions are never reused, and
 * neither is one that elaborated a candidate's auxiliary code (`retire`: attributes, instances or
 * elaboration-time code may outlive that command and act on later candidates).
 */
export class ReplPool {
  readonly #options: ReplPoolOptions;
  readonly #idle = new Map<string, ReplSession[]>();
  readonly #starting = new Map<string, Promise<ReplSession>[]>();
  readonly #busy = new Set<ReplSession>();
  /** Weak, so that closed sessions never linger here in a long-lived server. */
  readonly #lastUsed = new WeakMap<ReplSession, number>();
  #isClosed = false;
  readonly stats: ReplPoolStats = { started: 0, recycled: 0, killed: 0, retired: 0, headerImports: 0, idle: 0, busy: 0 };

  constructor(options: ReplPoolOptions) {
    this.#options = options;
  }

  /** A session with `header` imported, for the caller's exclusive use until `release`. */
  async acquire(header: string): Promise<ReplSession> {
    if (this.#isClosed) throw new ProoflineError('CHECKER_CLOSED', 'The REPL pool is closed');
    let session = this.#takeIdle(header) ?? (await this.#takeStarting(header));
    if (session === undefined) {
      this.#makeRoom(1);
      session = await this.#start(header);
    }
    this.#busy.add(session);
    this.#refreshCounts();
    this.#topUpSpares(header);
    return session;
  }

  /** A newly started session, never one that has checked anything (for decisions that must not depend on history). */
  async acquireFresh(header: string): Promise<ReplSession> {
    if (this.#isClosed) throw new ProoflineError('CHECKER_CLOSED', 'The REPL pool is closed');
    this.#makeRoom(1);
    const session = await this.#start(header);
    this.#busy.add(session);
    this.#refreshCounts();
    return session;
  }

  /**
   * Returns a session. `'kill'` (timeout, crash, protocol error) and `'retire'` (it ran code that
   * may outlive its command: it must never serve another candidate) close it; `'reuse'` keeps it
   * for the next candidate unless it is due for recycling.
   */
  async release(session: ReplSession, fate: 'reuse' | 'retire' | 'kill'): Promise<void> {
    this.#busy.delete(session);
    this.#refreshCounts();
    if (fate !== 'reuse' || !session.isUsable || this.#isClosed) {
      if (fate === 'retire' && session.isUsable) this.stats.retired += 1;
      else this.stats.killed += 1;
      await session.close();
      this.#topUpSpares(session.header);
      return;
    }
    const rssMb = session.lastRssMb; // Sampled by the session's own watch: no /proc scan per check.
    if (session.checks >= this.#options.maxChecksPerProcess || rssMb > this.#options.maxRssMb) {
      this.stats.recycled += 1;
      this.#options.logger?.debug({ pid: session.pid, checks: session.checks, rssMb }, 'recycling REPL process');
      await session.close();
      this.#topUpSpares(session.header);
      return;
    }
    this.#lastUsed.set(session, Date.now());
    const list = this.#idle.get(session.header) ?? [];
    list.push(session);
    this.#idle.set(session.header, list);
    this.#refreshCounts();
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    const starting = [...this.#starting.values()].flat();
    const started = await Promise.allSettled(starting);
    const sessions = [...[...this.#idle.values()].flat(), ...this.#busy];
    for (const result of started) if (result.status === 'fulfilled') sessions.push(result.value);
    this.#idle.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }

  #capacity(): number {
    return this.#options.size + this.#options.warmSpares;
  }

  #count(): number {
    const idle = [...this.#idle.values()].reduce((n, list) => n + list.length, 0);
    const starting = [...this.#starting.values()].reduce((n, list) => n + list.length, 0);
    return idle + starting + this.#busy.size;
  }

  #takeIdle(header: string): ReplSession | undefined {
    const list = this.#idle.get(header);
    while (list !== undefined && list.length > 0) {
      const session = list.pop()!;
      if (session.isUsable) return session;
      void session.close();
    }
    return undefined;
  }

  async #takeStarting(header: string): Promise<ReplSession | undefined> {
    const list = this.#starting.get(header);
    const promise = list?.shift();
    if (promise === undefined) return undefined;
    try {
      return await promise;
    } catch {
      return undefined;
    }
  }

  /** Evicts least recently used idle sessions (any header) until `needed` more fit. */
  #makeRoom(needed: number): void {
    while (this.#count() + needed > this.#capacity()) {
      let oldest: { header: string; session: ReplSession; at: number } | null = null;
      for (const [header, list] of this.#idle) {
        for (const session of list) {
          const at = this.#lastUsed.get(session) ?? 0;
          if (oldest === null || at < oldest.at) oldest = { header, session, at };
        }
      }
      if (oldest === null) return; // Everything is busy or starting: callers bound concurrency, so go over briefly.
      const list = this.#idle.get(oldest.header)!;
      list.splice(list.indexOf(oldest.session), 1);
      this.#lastUsed.delete(oldest.session);
      void oldest.session.close();
    }
  }

  #topUpSpares(header: string): void {
    if (this.#isClosed) return;
    const idle = this.#idle.get(header)?.length ?? 0;
    const starting = this.#starting.get(header)?.length ?? 0;
    for (let missing = this.#options.warmSpares - idle - starting; missing > 0; missing -= 1) {
      if (this.#count() >= this.#capacity()) return;
      const promise = this.#start(header);
      const list = this.#starting.get(header) ?? [];
      list.push(promise);
      this.#starting.set(header, list);
      promise.then(
        (session) => {
          // An acquire() that claimed this start owns the session; otherwise it becomes idle.
          if (!this.#removeStarting(header, promise)) return;
          if (this.#isClosed) return void session.close();
          this.#lastUsed.set(session, Date.now());
          const idleList = this.#idle.get(header) ?? [];
          idleList.push(session);
          this.#idle.set(header, idleList);
          this.#refreshCounts();
        },
        (error: unknown) => {
          this.#removeStarting(header, promise);
          this.#options.logger?.warn({ err: error }, 'warm spare REPL failed to start');
        },
      );
    }
  }

  /** False when the start was already claimed by an acquire(). */
  #removeStarting(header: string, promise: Promise<ReplSession>): boolean {
    const list = this.#starting.get(header);
    const index = list?.indexOf(promise) ?? -1;
    if (index < 0) return false;
    list!.splice(index, 1);
    return true;
  }

  async #start(header: string): Promise<ReplSession> {
    this.stats.started += 1;
    this.stats.headerImports += 1;
    return ReplSession.start({ ...this.#options.session, header });
  }

  #refreshCounts(): void {
    this.stats.idle = [...this.#idle.values()].reduce((n, list) => n + list.length, 0);
    this.stats.busy = this.#busy.size;
  }
}
