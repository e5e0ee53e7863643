import type { LeanMessage } from '../schemas/verdict.ts';

/**
 * The reward service's core contract, shared by the native `/v1/verify` route and every trainer
 * adapter (OpenRLHF, verl, TRL, Kimina facade, Bedrock RFT grader). Adapters translate their wire
 * shapes into `VerifyItem`s and `ItemResult`s back; they never call the checker themselves.
 */
export interface VerifyItem {
  /** Echoed back; the caller's own id for the item. */
  id: string;
  /** Resolved through the problem registry loaded at start (never used as a path). */
  problem_id?: string | undefined;
  /** Trusted header and statement given inline (instead of problem_id). */
  header?: string | undefined;
  formal_statement?: string | undefined;
  /** The raw model output (extraction finds the proof), or `proof` (used as the proof body). */
  completion?: string | undefined;
  proof?: string | undefined;
}

/**
 * `valid` (reward 1) and the rejection statuses (reward 0) are verdicts about the proof.
 * `infrastructure_error` and `deadline_exceeded` are NOT: their reward is null, never 0, and the
 * HTTP layer turns an all-infrastructure request into 503 + Retry-After so trainers retry.
 */
export type ItemStatus =
  | 'valid'
  | 'no_proof'
  | 'banned_construct'
  | 'lean_error'
  | 'sorry'
  | 'forbidden_axiom'
  | 'statement_mismatch'
  | 'kernel_rejected'
  | 'crashes_lean'
  | 'timeout'
  | 'memory_limit'
  | 'format_error'
  | 'infrastructure_error'
  | 'deadline_exceeded'
  | 'unknown_problem';

export interface ItemResult {
  id: string;
  status: ItemStatus;
  /** 1 or 0 for a verdict (times the format gate when enabled); null when there is no verdict. */
  reward: number | null;
  verified: boolean;
  /** The checker's rejection reason / layer (null when accepted or without a verdict). */
  reason: string | null;
  layer: string | null;
  axioms: string[] | null;
  messages: LeanMessage[];
  /** Lean's errors formatted for a self-correction turn ('' when none). */
  feedback: string;
  components: { lean: number | null; format: number | null };
  lean_time_s: number;
  cached: boolean;
  /** For infrastructure_error: the ProoflineError code (e.g. LEAN_CRASHED); null otherwise. */
  error_code: string | null;
}

export interface VerifyOptions {
  /** Who asked: fair queuing keeps one client's burst from starving another's small request. */
  clientId: string;
  /** Absolute time (ms since epoch) by which every item must be answered. */
  deadlineAtMs: number;
  /** Optional format gate (kimina-style: one think block then one lean4 block). */
  requireFormat?: boolean;
}

export interface RewardService {
  verify(items: readonly VerifyItem[], options: VerifyOptions): Promise<ItemResult[]>;
  readonly versions: { lean: string; mathlib: string | null; checker: string; policy: { name: string; version: string } };
}
