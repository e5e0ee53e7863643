import { type PriceTable, estimateCostUsd } from '../sample/sampling-stats.ts';
import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import { meanPassAtK, type PassAtKSummary, passAtK } from './pass-at-k.ts';

/** Per-problem tally: n/c count candidates WITH a verdict; `errors` those whose check failed. */
export interface ProblemStats {
  n: number;
  c: number;
  errors: number;
  /** Candidates never sampled (sampling failed past its retries): no record, but the problem still counts. */
  missing: number;
  split: string;
  held_out: string | null;
}

/** The mergeable state: only sums, per-key sums, maxima and per-problem tallies. */
export interface RunCounters {
  candidates: number;
  by_kind: { accepted: number; rejected: number; error: number };
  rejected_by_reason: Record<string, number>;
  /** layer → `accepted` or a rejection reason → count. */
  by_layer: Record<string, Record<string, number>>;
  errors_by_code: Record<string, number>;
  truncated: number;
  reasoning_redacted: number;
  /** All tokens of the records, and those actually paid in this run (not from the sample cache). */
  tokens: { input: number; output: number; paid_input: number; paid_output: number };
  timings: { sample_latency_ms_total: number; check_elapsed_ms_total: number; check_elapsed_ms_max: number; checks_cached: number };
  problems: Record<string, ProblemStats>;
  /** export → split → rows written. */
  export_rows: Record<string, Record<string, number>>;
}

const add = (map: Record<string, number>, key: string, by = 1): void => void (map[key] = (map[key] ?? 0) + by);

/**
 * Run statistics (stats.json). Mergeable: `a.merge(b)` equals the stats of the union of the
 * records a and b saw (cluster shards sum into run totals); `fromJSON(toJSON())` round-trips.
 */
export class RunStats {
  readonly counters: RunCounters = {
    candidates: 0, by_kind: { accepted: 0, rejected: 0, error: 0 }, rejected_by_reason: {}, by_layer: {}, errors_by_code: {},
    truncated: 0, reasoning_redacted: 0, tokens: { input: 0, output: 0, paid_input: 0, paid_output: 0 },
    timings: { sample_latency_ms_total: 0, check_elapsed_ms_total: 0, check_elapsed_ms_max: 0, checks_cached: 0 },
    problems: Object.create(null) as Record<string, ProblemStats>, export_rows: {},
  };

  static fromJSON(json: { counters: RunCounters }): RunStats {
    return new RunStats().merge({ counters: json.counters } as RunStats);
  }

  recordCandidate(record: CanonicalRecord): void {
    const k = this.counters;
    const problem = (k.problems[record.problem_id] ??= { n: 0, c: 0, errors: 0, missing: 0, split: record.split, held_out: record.held_out?.reason ?? null });
    k.candidates++;
    if (record.completion.truncated) k.truncated++;
    if (record.completion.reasoning_redacted) k.reasoning_redacted++;
    const { usage, cached } = record.completion;
    k.tokens.input += usage.input_tokens;
    k.tokens.output += usage.output_tokens;
    if (!cached) (k.tokens.paid_input += usage.input_tokens, (k.tokens.paid_output += usage.output_tokens));
    k.timings.sample_latency_ms_total += record.completion.latency_ms;
    const { verdict, error } = record;
    if (verdict === null) {
      k.by_kind.error++;
      problem.errors++;
      add(k.errors_by_code, error!.code);
      return;
    }
    problem.n++;
    k.by_kind[verdict.kind]++;
    if (verdict.kind === 'accepted') problem.c++;
    else add(k.rejected_by_reason, verdict.reason!);
    add((k.by_layer[verdict.layer] ??= {}), verdict.kind === 'accepted' ? 'accepted' : verdict.reason!);
    k.timings.check_elapsed_ms_total += verdict.elapsed_ms;
    k.timings.check_elapsed_ms_max = Math.max(k.timings.check_elapsed_ms_max, verdict.elapsed_ms);
    if (verdict.cached) k.timings.checks_cached++;
  }

  /** A candidate of this problem that was never sampled: the problem is counted and, with no verdict at all, listed. */
  recordMissing(problemId: string, placement: { split: string; held_out: string | null }): void {
    (this.counters.problems[problemId] ??= { n: 0, c: 0, errors: 0, missing: 0, split: placement.split, held_out: placement.held_out }).missing++;
  }

  recordExportRows(exportName: string, split: string, rows: number): void {
    add((this.counters.export_rows[exportName] ??= {}), split, rows);
  }

  merge(other: RunStats): this {
    const a = this.counters;
    const b = other.counters;
    a.candidates += b.candidates;
    a.truncated += b.truncated;
    a.reasoning_redacted += b.reasoning_redacted;
    for (const key of ['accepted', 'rejected', 'error'] as const) a.by_kind[key] += b.by_kind[key];
    for (const [reason, n] of Object.entries(b.rejected_by_reason)) add(a.rejected_by_reason, reason, n);
    for (const [layer, m] of Object.entries(b.by_layer)) for (const [key, n] of Object.entries(m)) add((a.by_layer[layer] ??= {}), key, n);
    for (const [code, n] of Object.entries(b.errors_by_code)) add(a.errors_by_code, code, n);
    for (const key of ['input', 'output', 'paid_input', 'paid_output'] as const) a.tokens[key] += b.tokens[key];
    for (const key of ['sample_latency_ms_total', 'check_elapsed_ms_total', 'checks_cached'] as const) a.timings[key] += b.timings[key];
    a.timings.check_elapsed_ms_max = Math.max(a.timings.check_elapsed_ms_max, b.timings.check_elapsed_ms_max);
    for (const [id, p] of Object.entries(b.problems)) {
      const mine = (a.problems[id] ??= { n: 0, c: 0, errors: 0, missing: 0, split: p.split, held_out: p.held_out });
      mine.n += p.n;
      mine.c += p.c;
      mine.errors += p.errors;
      mine.missing += p.missing ?? 0;
    }
    for (const [name, m] of Object.entries(b.export_rows)) for (const [split, n] of Object.entries(m)) add((a.export_rows[name] ??= {}), split, n);
    return this;
  }

  /** Problems with candidates but not one verdict: every check failed. The build lists them and exits non-zero. */
  problemsWithOnlyErrors(): string[] {
    return Object.entries(this.counters.problems).filter(([, p]) => p.n === 0 && (p.errors > 0 || p.missing > 0)).map(([id]) => id).sort();
  }

  toJSON(options: { price?: PriceTable | null } = {}): RunStatsJson {
    return summarizeRunStats(this, options.price ?? null);
  }
}

export interface RunStatsJson {
  summary: {
    problems: number;
    problems_by_split: Record<string, number>;
    held_out: { problems: number; by_reason: Record<string, number> };
    problems_with_only_errors: string[];
    /** k = 1 and k = the largest sample count per problem; errored candidates are not in n. */
    pass_at_k: PassAtKSummary[];
    estimated_cost_usd: number | null;
  };
  /** Per problem: n, c, errors, split, held_out and pass@1 (null when n = 0). */
  per_problem: Record<string, ProblemStats & { pass_at_1: number | null }>;
  counters: RunCounters;
}

function summarizeRunStats(stats: RunStats, price: PriceTable | null): RunStatsJson {
  const k = stats.counters;
  const problems = Object.values(k.problems);
  const bySplit: Record<string, number> = {};
  const heldOut: Record<string, number> = {};
  for (const p of problems) {
    add(bySplit, p.split);
    if (p.held_out !== null) add(heldOut, p.held_out);
  }
  const maxSamples = problems.reduce((max, p) => Math.max(max, p.n + p.errors), 0);
  const ks = maxSamples > 1 ? [1, maxSamples] : [1];
  const perProblem = Object.fromEntries(Object.entries(k.problems).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, p]) => [id, { ...p, pass_at_1: passAtK(p.n, p.c, 1) }]));
  return {
    summary: {
      problems: problems.length,
      problems_by_split: bySplit,
      held_out: { problems: Object.values(heldOut).reduce((s, n) => s + n, 0), by_reason: heldOut },
      problems_with_only_errors: stats.problemsWithOnlyErrors(),
      pass_at_k: ks.map((kk) => meanPassAtK(problems, kk)),
      estimated_cost_usd: price === null ? null : estimateCostUsd(k.tokens.paid_input, k.tokens.paid_output, price),
    },
    per_problem: perProblem,
    counters: structuredClone(k),
  };
}
