import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';
import { CompletionRecordSchema } from './completion.ts';
import { VerdictSchema } from './verdict.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/u, 'expected a hex sha256');

/** A decided verdict: the checker's VerdictSchema, minus `unchecked` (lint output never lands here). */
export const CheckedVerdictSchema = VerdictSchema.extend({ kind: z.enum(['accepted', 'rejected']) }).refine(
  (v) => (v.kind === 'accepted') === (v.reason === null),
  { message: 'expected reason null for accepted and a reason for rejected' },
);
export type CheckedVerdict = z.infer<typeof CheckedVerdictSchema>;

/** The checker failed for infrastructure reasons past its retries: no verdict, never a rejection. */
export const CheckErrorSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  retryable: z.boolean(),
});
export type CheckError = z.infer<typeof CheckErrorSchema>;

/** Why a problem is kept out of training exports (pipeline/build/decontaminate.ts). */
export const HeldOutSchema = z.object({
  reason: z.enum(['eval_split', 'eval_statement_match']),
  detail: z.string(),
});
export type HeldOut = z.infer<typeof HeldOutSchema>;

/**
 * One candidate (problem × sample index), verified or not: the source of truth every export,
 * reward record and statistic is derived from (trainer-interfaces.md §6.2.1). Exactly one of
 * `verdict` and `error` is set.
 */
export const CanonicalRecordSchema = z
  .object({
    /** `canonicalRecordId(problem_id, sample_index)`. */
    id: z.string().min(1),
    problem_id: z.string().min(1),
    sample_index: z.number().int().min(0),
    /** From the normalised statement's hash (pipeline/build/splits.ts): `train` | `validation`. */
    split: z.string().min(1),
    /** Set when decontamination keeps the problem out of training exports; null otherwise. */
    held_out: HeldOutSchema.nullable(),
    /** The problem set's name (the build config's `name` or the problems file). */
    dataset: z.string().min(1),
    /** The problem's own `source` field (`minif2f`, `tpil4`, …); null when absent. */
    source: z.string().nullable(),
    informal_statement: z.string().nullable(),
    header: z.string(),
    formal_statement: z.string(),
    /** The messages the model was sent, verbatim: exports reuse them as the prompt. */
    prompt: z.object({ version: z.string(), system: z.string(), user: z.string() }),
    /** The completion as `proofline sample` records it (minus problem_id / sample_index). */
    completion: CompletionRecordSchema.omit({ problem_id: true, sample_index: true }),
    /**
     * The whole Lean file the checker was given (L0 assembly: header + [auxiliary] + trusted
     * statement + proof), null when L0 found no proof. Exports put exactly this file in the
     * assistant's ```lean4 fence.
     */
    lean_file: z.string().nullable(),
    verdict: CheckedVerdictSchema.nullable(),
    error: CheckErrorSchema.nullable(),
    hashes: z.object({
      /** sha256 of the normalised statement (pipeline/build/statement-fingerprint.ts). */
      statement: sha256,
      /** sha256 of `lean_file`; null without one. Identical proofs of a problem share it. */
      proof: sha256.nullable(),
      /** sha256 of the model's raw text (`completion.text`). */
      completion: sha256,
    }),
    run: z.object({ run_id: z.string().min(1), config_hash: z.string().min(1) }),
  })
  .refine((r) => (r.verdict === null) !== (r.error === null), { message: 'expected exactly one of verdict and error', path: ['verdict'] })
  .refine((r) => r.verdict?.kind !== 'accepted' || r.lean_file !== null, { message: 'expected the checked lean_file of an accepted candidate', path: ['lean_file'] })
  .refine((r) => r.id === canonicalRecordId(r.problem_id, r.sample_index), { message: 'expected id = `<problem_id>#<sample_index>`', path: ['id'] });

export type CanonicalRecord = z.infer<typeof CanonicalRecordSchema>;

/** `<problem_id>#<sample_index>`: unique because the index after the last `#` is an integer. */
export function canonicalRecordId(problemId: string, sampleIndex: number): string {
  return `${problemId}#${sampleIndex}`;
}

export function isAccepted(record: CanonicalRecord): boolean {
  return record.verdict?.kind === 'accepted';
}

/** Rejected by the checker (a verdict about the proof); an infrastructure error is never this. */
export function isRejected(record: CanonicalRecord): boolean {
  return record.verdict?.kind === 'rejected';
}
