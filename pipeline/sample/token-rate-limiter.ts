import { sleepMs } from './retry.ts';

export interface LimiterClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: LimiterClock = { now: () => Date.now(), sleep: sleepMs };

/** A request's share of the window; settle it with the tokens the backend actually counted. */
export interface TokenReservation {
  readonly tokens: number;
  settle(actualTokens: number): void;
}

/**
 * What the sampler needs of a token limiter: this process' TokenRateLimiter, or the cluster's
 * Redis-backed one (pipeline/cluster/cluster-rate-limiter.ts). An interface, because the class has
 * private members and so is not structurally assignable.
 */
export interface TokenLimiter {
  acquire(tokens: number, signal?: AbortSignal): Promise<TokenReservation>;
}

interface WindowEntry {
  at: number;
  tokens: number;
}

/**
 * Tokens-per-minute admission over a rolling window, the way Bedrock counts its quota: a request
 * reserves its input estimate plus its max output tokens when admitted, and is settled to the real
 * usage when it returns. A request is admitted when the tokens admitted in the last `windowMs`
 * plus its reservation fit the limit; waiters are served first come, first served. A request
 * larger than the whole limit is admitted alone into an empty window rather than never.
 */
export class TokenRateLimiter {
  readonly tokensPerWindow: number;
  readonly windowMs: number;
  /**
   * Tokens stay counted for `windowMs + marginMs` after admission: a request reaches the backend a
   * little after we admit it, and without a margin two bursts admitted one window apart can land in
   * one window of the backend's own count (measured: ~100 ms of skew on a loaded 2-core machine).
   * Default: the larger of 250 ms and 2% of the window (1.2 s of a 60 s window).
   */
  readonly marginMs: number;
  private readonly clock: LimiterClock;
  private entries: WindowEntry[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(options: { tokensPerWindow: number; windowMs: number; marginMs?: number; clock?: LimiterClock }) {
    if (!(options.tokensPerWindow > 0)) throw new TypeError(`Expected tokensPerWindow > 0, got ${options.tokensPerWindow}`);
    if (!(options.windowMs > 0)) throw new TypeError(`Expected windowMs > 0, got ${options.windowMs}`);
    this.tokensPerWindow = options.tokensPerWindow;
    this.windowMs = options.windowMs;
    this.marginMs = options.marginMs ?? Math.max(250, options.windowMs * 0.02);
    if (!(this.marginMs >= 0)) throw new TypeError(`Expected marginMs >= 0, got ${options.marginMs}`);
    this.clock = options.clock ?? REAL_CLOCK;
  }

  /** Tokens admitted within the current window. */
  usedTokens(): number {
    this.prune();
    return this.entries.reduce((sum, entry) => sum + entry.tokens, 0);
  }

  /** Waits (FIFO) until `tokens` fit the window, then records them. Rejects if `signal` aborts first. */
  async acquire(tokens: number, signal?: AbortSignal): Promise<TokenReservation> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      for (;;) {
        signal?.throwIfAborted();
        const used = this.usedTokens();
        if (this.entries.length === 0 || used + tokens <= this.tokensPerWindow) return this.admit(tokens);
        const oldest = this.entries[0]!;
        await this.clock.sleep(Math.max(1, oldest.at + this.windowMs + this.marginMs - this.clock.now()), signal);
      }
    } finally {
      release();
    }
  }

  private admit(tokens: number): TokenReservation {
    const entry: WindowEntry = { at: this.clock.now(), tokens };
    this.entries.push(entry);
    return {
      tokens,
      settle: (actualTokens: number) => {
        entry.tokens = Math.max(0, actualTokens);
      },
    };
  }

  private prune(): void {
    const cutoff = this.clock.now() - this.windowMs - this.marginMs;
    while (this.entries.length > 0 && this.entries[0]!.at <= cutoff) this.entries.shift();
  }
}
