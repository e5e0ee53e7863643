import { ProoflineError } from '../errors.ts';
import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import type { RejectionReason, Verdict } from '../schemas/verdict.ts';

/** Per-export options, as the build config's `exports.sft` / `exports.preference` declare them. */
export interface ExportOptions {
  enabled: boolean;
  /** At most this many rows per problem; null = no cap. */
  max_per_problem: number | null;
  /** Keep one candidate per distinct checked Lean file (`hashes.proof`) within a problem. */
  dedup_identical_proofs: boolean;
}

/**
 * Verified candidates fit for training, in sample-index order: accepted, not truncated (a cut-off
 * output is never a training target, even when the proof inside it checked), not held out by
 * decontamination; deduplicated and capped as the options say.
 */
export function selectVerified(records: readonly CanonicalRecord[], options: ExportOptions): CanonicalRecord[] {
  const chosen = inOrder(records).filter((r) => r.verdict?.kind === 'accepted' && !r.completion.truncated && r.held_out === null);
  return cap(options.dedup_identical_proofs ? dedupByProof(chosen) : chosen, options.max_per_problem);
}

/**
 * Rejections that say what the proof did to its RESOURCES, not that it is wrong: it ran out of
 * time (`timeout`) or memory (`memory_limit`) under this run's budget, or killed Lean
 * (`crashes_lean`). The same proof might check with a larger budget or on another toolchain, so
 * it is never the "rejected" side of a preference pair: training against it would teach a model
 * to avoid proofs that are merely expensive. (They stay in the canonical and reward records.)
 */
export const RESOURCE_REJECTIONS: ReadonlySet<RejectionReason> = new Set<RejectionReason>(['timeout', 'memory_limit', 'crashes_lean']);

/**
 * Lean's own budget limits, which it reports as ordinary errors (so the checker's verdict is
 * `lean_error`, not `timeout`): the heartbeat limit (`(deterministic) timeout at \`whnf\`, maximum
 * number of heartbeats (200000) has been reached`), the recursion-depth limit (`maximum recursion
 * depth has been reached`), the kernel's limits, and the checker's own output cap (`… printed more
 * output than the checker keeps`). A proof stopped by one of them is expensive, not known to be wrong.
 */
const LEAN_LIMIT_PATTERNS: readonly RegExp[] = [
  /\(deterministic\) timeout/u,
  /maximum number of heartbeats/u,
  /maximum recursion depth has been reached/u,
  /\(kernel\) (?:deterministic timeout|excessive memory consumption|deep recursion)/u,
  /more output than the checker keeps/u,
];

/**
 * A rejection about the proof's resources rather than the proof: a resource reason
 * (RESOURCE_REJECTIONS), or a `lean_error` whose detail or any of whose error messages is one of
 * Lean's budget limits (LEAN_LIMIT_PATTERNS). Decided at export time from the verdict's own text,
 * so verdicts already journaled or cached are read the same way.
 */
export function isResourceRejection(verdict: Pick<Verdict, 'reason' | 'detail' | 'messages'>): boolean {
  if (verdict.reason !== null && RESOURCE_REJECTIONS.has(verdict.reason)) return true;
  if (verdict.reason !== 'lean_error') return false;
  const isLimit = (text: string): boolean => LEAN_LIMIT_PATTERNS.some((pattern) => pattern.test(text));
  return isLimit(verdict.detail ?? '') || (verdict.messages ?? []).some((m) => m.severity === 'error' && isLimit(m.data));
}

/**
 * Failed candidates usable as the rejected side of a preference pair, in sample-index order:
 * REJECTED by the checker (never an infrastructure error) for a reason about the proof itself
 * (never a resource verdict, isResourceRejection), not truncated, with a Lean file (so both sides
 * of a pair carry a proof attempt in the same shape), not held out; deduplicated when asked. Not
 * capped: pairing caps.
 */
export function selectFailed(records: readonly CanonicalRecord[], options: ExportOptions): CanonicalRecord[] {
  const failed = inOrder(records).filter((r) =>
    r.verdict?.kind === 'rejected' && !isResourceRejection(r.verdict) && !r.completion.truncated && r.lean_file !== null && r.held_out === null);
  return options.dedup_identical_proofs ? dedupByProof(failed) : failed;
}

/** Throws unless all records belong to one problem (exports are computed per problem). */
export function problemOf(records: readonly CanonicalRecord[]): CanonicalRecord | null {
  const first = records[0];
  if (first === undefined) return null;
  const other = records.find((r) => r.problem_id !== first.problem_id);
  if (other !== undefined) {
    throw new ProoflineError('INPUT_INVALID', `Expected the records of one problem, got ${first.problem_id} and ${other.problem_id}`);
  }
  return first;
}

function inOrder(records: readonly CanonicalRecord[]): CanonicalRecord[] {
  problemOf(records);
  return [...records].sort((a, b) => a.sample_index - b.sample_index);
}

function dedupByProof(records: CanonicalRecord[]): CanonicalRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = r.hashes.proof ?? r.hashes.completion;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function cap<T>(items: T[], max: number | null): T[] {
  return max === null ? items : items.slice(0, max);
}
