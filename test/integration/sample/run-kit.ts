import { join } from 'node:path';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Problem } from '../../../pipeline/schemas/problem.ts';
import { loadPromptTemplate } from '../../../pipeline/sample/prompt.ts';
import type { SampleCache } from '../../../pipeline/sample/sample-cache.ts';
import { runSampling, type SampleRunEvent, type SampleRunResult } from '../../../pipeline/sample/sample-run.ts';
import type { Sampler } from '../../../pipeline/sample/sampler.ts';
import type { TokenRateLimiter } from '../../../pipeline/sample/token-rate-limiter.ts';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const TEMPLATE = loadPromptTemplate(join(REPO_ROOT, 'datasets/prompts/lean4-proof-v1.yaml'));

/** A core-Lean problem (no Mathlib), enough for prompts and extraction. */
export const PROBLEM: Problem = {
  id: 'add_comm_demo',
  header: '',
  informal_statement: 'Show that a + b = b + a for natural numbers a and b.',
  formal_statement: 'theorem add_comm_demo (a b : Nat) : a + b = b + a := by sorry',
};

export const LEAN_ANSWER = 'Addition of naturals is commutative.\n\n```lean4\ntheorem add_comm_demo (a b : Nat) : a + b = b + a := by\n  omega\n```\n';

export interface RunOutcome extends SampleRunResult {
  records: CompletionRecord[];
  events: SampleRunEvent[];
}

/** Runs the real sampling loop (retries, limits, cache, real extractor) and collects records in memory. */
export async function runWith(sampler: Sampler, options: { n?: number; problems?: Problem[]; timeoutMs?: number; maxAttempts?: number; maxConcurrency?: number; cache?: SampleCache | null; limiter?: TokenRateLimiter | null } = {}): Promise<RunOutcome> {
  const records: CompletionRecord[] = [];
  const events: SampleRunEvent[] = [];
  const result = await runSampling({
    sampler,
    template: TEMPLATE,
    problems: options.problems ?? [PROBLEM],
    n: options.n ?? 1,
    maxConcurrency: options.maxConcurrency ?? 2,
    tokenLimiter: options.limiter ?? null,
    retry: { maxAttempts: options.maxAttempts ?? 4, baseDelayMs: 2, maxDelayMs: 10 },
    timeoutMs: options.timeoutMs ?? 5000,
    cache: options.cache ?? null,
    extract: extractProof,
    price: { input_per_million_usd: 3, output_per_million_usd: 15 },
    isDone: () => false,
    writeRecord: async (record) => void records.push(record),
    onEvent: (event) => void events.push(event),
  });
  return { ...result, records, events };
}
