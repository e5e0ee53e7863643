import type { ErrorCode } from '../errors.ts';
import type { Completion } from './sampler.ts';

export interface PriceTable {
  input_per_million_usd: number;
  output_per_million_usd: number;
}

/** The end-of-run summary (also printed as JSON). Token counts cover requests paid in this run. */
export interface SamplingSummary {
  /** (problem, sample) pairs asked for, including those already in --out. */
  planned: number;
  /** Skipped because --out already holds them (resume). */
  already_done: number;
  /** Records written in this run. */
  written: number;
  /** HTTP requests sent (attempts, retries included). */
  requests: number;
  retries: number;
  retries_by_code: Partial<Record<ErrorCode, number>>;
  cache_hits: number;
  /** (problem, sample) pairs that failed past the retry budget, by code: not written, a rerun retries them. */
  failures: Partial<Record<ErrorCode, number>>;
  no_proof: number;
  truncated: number;
  input_tokens: number;
  output_tokens: number;
  /** From the config's price table; null when no price is configured. Cached answers cost nothing. */
  estimated_cost_usd: number | null;
  elapsed_ms: number;
}

/** Mergeable counters for one sampling run. */
export class SamplingStats {
  private readonly counts: Omit<SamplingSummary, 'estimated_cost_usd' | 'elapsed_ms'> = {
    planned: 0, already_done: 0, written: 0, requests: 0, retries: 0, retries_by_code: {}, cache_hits: 0,
    failures: {}, no_proof: 0, truncated: 0, input_tokens: 0, output_tokens: 0,
  };

  plan(planned: number, alreadyDone: number): void {
    this.counts.planned += planned;
    this.counts.already_done += alreadyDone;
  }

  recordRequest(): void {
    this.counts.requests += 1;
  }

  recordRetry(code: ErrorCode): void {
    this.counts.retries += 1;
    this.counts.retries_by_code[code] = (this.counts.retries_by_code[code] ?? 0) + 1;
  }

  recordFailure(code: ErrorCode): void {
    this.counts.failures[code] = (this.counts.failures[code] ?? 0) + 1;
  }

  recordWritten(completion: Completion, options: { cached: boolean; hasProof: boolean }): void {
    this.counts.written += 1;
    if (options.cached) this.counts.cache_hits += 1;
    else {
      this.counts.input_tokens += completion.usage.inputTokens;
      this.counts.output_tokens += completion.usage.outputTokens;
    }
    if (!options.hasProof) this.counts.no_proof += 1;
    if (completion.truncated) this.counts.truncated += 1;
  }

  failureCount(): number {
    return Object.values(this.counts.failures).reduce((sum, n) => sum + n, 0);
  }

  summary(price: PriceTable | null, elapsedMs: number): SamplingSummary {
    return {
      ...structuredClone(this.counts),
      estimated_cost_usd: price === null ? null : estimateCostUsd(this.counts.input_tokens, this.counts.output_tokens, price),
      elapsed_ms: Math.round(elapsedMs),
    };
  }
}

/** USD for the given token counts, rounded to 1/10000 of a cent. */
export function estimateCostUsd(inputTokens: number, outputTokens: number, price: PriceTable): number {
  const usd = (inputTokens * price.input_per_million_usd + outputTokens * price.output_per_million_usd) / 1_000_000;
  return Math.round(usd * 1_000_000) / 1_000_000;
}
