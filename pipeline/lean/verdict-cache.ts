import { createHash } from 'node:crypto';
import type { Verdict } from '../schemas/verdict.ts';

/**
 * Verdicts by content: sha256(checker version, toolchain, Mathlib rev, policy, budget, header,
 * statement, auxiliary, proof). Identical candidates (common in GRPO groups) are checked once,
 * also when they arrive concurrently: the second caller awaits the first one's promise.
 * Only verdicts are cached; an infrastructure error is never remembered as an answer.
 */
/** What the checker needs of a verdict cache: this in-process one, or the cluster's shared Redis cache (pipeline/cluster/redis-verdict-cache.ts). */
export interface VerdictStore {
  getOrCheck(key: string, check: () => Promise<Verdict>): Promise<Verdict>;
}

export class VerdictCache implements VerdictStore {
  readonly #maxEntries: number;
  readonly #done = new Map<string, Verdict>();
  readonly #inFlight = new Map<string, Promise<Verdict>>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  static key(parts: readonly (string | number | boolean | null)[]): string {
    const hash = createHash('sha256');
    for (const part of parts) {
      const text = JSON.stringify(part);
      hash.update(`${text.length}:${text};`);
    }
    return hash.digest('hex');
  }

  /** The cached verdict (marked `cached: true`), the in-flight check's, or a new check's. */
  async getOrCheck(key: string, check: () => Promise<Verdict>): Promise<Verdict> {
    const done = this.#done.get(key);
    if (done !== undefined) {
      this.#done.delete(key);
      this.#done.set(key, done); // Refresh LRU position.
      return { ...done, cached: true };
    }
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) {
      return { ...(await pending), cached: true };
    }
    const promise = check();
    this.#inFlight.set(key, promise);
    try {
      const verdict = await promise;
      this.#remember(key, verdict);
      return verdict;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  get size(): number {
    return this.#done.size;
  }

  #remember(key: string, verdict: Verdict): void {
    this.#done.set(key, verdict);
    while (this.#done.size > this.#maxEntries) {
      const oldest = this.#done.keys().next().value;
      if (oldest === undefined) break;
      this.#done.delete(oldest);
    }
  }
}
