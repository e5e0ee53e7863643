import { z } from 'zod';

/**
 * Why a proof was rejected. A rejection is data about the proof; an infrastructure failure is a
 * `ProoflineError` and never appears here.
 *
 * `kernel_rejected` is not in DESIGN.md's list: L3's kernel replay (`leanchecker`) failing means the
 * elaborator was fooled (environment hacking, `debug.skipKernelTC`), which is neither a plain Lean
 * error nor an axiom problem, and trainers that log reasons should be able to see it.
 *
 * `crashes_lean` is not in DESIGN.md's list either: the candidate kills Lean itself (stack overflow,
 * segfault) again on a fresh process while a canary on the same header and sandbox runs cleanly. It
 * is a property of the proof, not of the machine; before the canary confirms that, a crash is an
 * error (LEAN_CRASHED), never a rejection.
 */
export const REJECTION_REASONS = [
  'no_proof',
  'banned_construct',
  'lean_error',
  'sorry',
  'forbidden_axiom',
  'statement_mismatch',
  'kernel_rejected',
  'crashes_lean',
  'timeout',
  'memory_limit',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The layer that decided: L0 assembly, L1 lexical gate, L2 elaboration, L3 confirmation, L4 audit. */
export const LAYERS = ['L0', 'L1', 'L2', 'L3', 'L4'] as const;
export type Layer = (typeof LAYERS)[number];

export const LeanMessageSchema = z.object({
  severity: z.enum(['info', 'warning', 'error']),
  /** 1-based line in the assembled file (header + candidate). */
  line: z.number().int(),
  /** 0-based column, in codepoints. */
  column: z.number().int(),
  end_line: z.number().int().nullable(),
  end_column: z.number().int().nullable(),
  data: z.string(),
});
export type LeanMessage = z.infer<typeof LeanMessageSchema>;

export const VerdictProvenanceSchema = z.object({
  checker_version: z.string(),
  toolchain: z.string(),
  mathlib_rev: z.string().nullable(),
  policy: z.object({ name: z.string(), version: z.string() }),
  budget: z.object({ timeout_ms: z.number(), memory_limit_mb: z.number() }),
  runner: z.enum(['repl', 'cli', 'none']),
  sandbox: z.string(),
  confirmed: z.boolean(),
  /** L4: an independent kernel re-checked this accept (sampled; false when not sampled or not configured). */
  l4_audited: z.boolean(),
});
export type VerdictProvenance = z.infer<typeof VerdictProvenanceSchema>;

export const VerdictSchema = z.object({
  kind: z.enum(['accepted', 'rejected', 'unchecked']),
  reason: z.enum(REJECTION_REASONS).nullable(),
  /** One human sentence: what decided, with the token/position or the axiom names. */
  detail: z.string(),
  layer: z.enum(LAYERS),
  /** Axiom closure of the target as Lean reported it, sorted; null when Lean never got that far. */
  axioms: z.array(z.string()).nullable(),
  messages: z.array(LeanMessageSchema),
  elapsed_ms: z.number(),
  cached: z.boolean(),
  timings: z.record(z.string(), z.number()),
  provenance: VerdictProvenanceSchema,
});
export type Verdict = z.infer<typeof VerdictSchema>;
