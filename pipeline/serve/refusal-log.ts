/** The few logger methods the refusal log uses (pino's Logger and fastify's base logger both have them). */
export interface RefusalLogger {
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface RefusalFields {
  reqId: string;
  status: number;
  code: string;
}

/**
 * Logs refused requests without one info line per refusal (a refused flood — thousands of 429s a
 * second — would otherwise write thousands of lines): the first refusal after a quiet window is
 * logged at info, the rest of the window only at debug, and when the window ends one info line
 * counts them by status and code. A flood that goes on gets one count line per window.
 */
export class RefusalLog {
  readonly #logger: RefusalLogger;
  readonly #windowMs: number;
  /** Refusals logged only at debug in the open window, by `status code`. */
  readonly #counted = new Map<string, number>();
  #windowEndMs = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: RefusalLogger, windowMs = 10_000) {
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new TypeError(`Expected a positive window in ms, got ${windowMs}`);
    this.#logger = logger;
    this.#windowMs = windowMs;
  }

  note(fields: RefusalFields): void {
    const now = Date.now();
    if (now >= this.#windowEndMs && this.#timer === undefined) {
      this.#logger.info(fields, 'request refused');
      this.#windowEndMs = now + this.#windowMs;
      return;
    }
    this.#logger.debug(fields, 'request refused');
    const key = `${fields.status} ${fields.code}`;
    this.#counted.set(key, (this.#counted.get(key) ?? 0) + 1);
    this.#timer ??= setTimeout(() => this.#endWindow(), Math.max(0, this.#windowEndMs - now)).unref();
  }

  /** Logs the count of the open window now (app close). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
  }

  #endWindow(): void {
    this.#timer = undefined;
    const hadRefusals = this.#flush();
    // Still refusing: the next window only counts too, so a steady flood is one line per window.
    this.#windowEndMs = hadRefusals ? Date.now() + this.#windowMs : Number.NEGATIVE_INFINITY;
  }

  #flush(): boolean {
    if (this.#counted.size === 0) return false;
    let refused = 0;
    const byStatusAndCode: Record<string, number> = {};
    for (const [key, n] of this.#counted) {
      refused += n;
      byStatusAndCode[key] = n;
    }
    this.#counted.clear();
    this.#logger.info({ refused, byStatusAndCode, windowS: this.#windowMs / 1000 }, 'more requests refused (each logged at debug)');
    return true;
  }
}
