import { z } from 'zod';
import { type CanonicalRecord, CheckErrorSchema } from './canonical-record.ts';
import { LAYERS, REJECTION_REASONS, VerdictProvenanceSchema } from './verdict.ts';

/**
 * One RL reward record per candidate — what offline RL, reward-model training and rejection
 * sampling load. `status: "scored"` carries reward 1 (accepted) or 0 (rejected).
 *
 * A candidate whose check failed for infrastructure reasons is still listed (so "every candidate"
 * holds and the failure is visible) but with `status: "error"`, `reward: null` and the error code:
 * null is not a number, so `sum`, `mean` or a `reward == 0` filter never counts it as a failure, and
 * a loader that insists on a number fails loudly instead of learning a fake 0. Filter on
 * `status == "scored"` before training.
 */
export const RewardRecordSchema = z
  .object({
    id: z.string().min(1),
    problem_id: z.string().min(1),
    sample_index: z.number().int().min(0),
    /** sha256 of the model's raw text: joins with the canonical record and the sample cache. */
    completion_hash: z.string().regex(/^[0-9a-f]{64}$/u),
    status: z.enum(['scored', 'error']),
    reward: z.union([z.literal(0), z.literal(1)]).nullable(),
    verdict: z
      .object({ kind: z.enum(['accepted', 'rejected']), reason: z.enum(REJECTION_REASONS).nullable(), layer: z.enum(LAYERS) })
      .nullable(),
    error: CheckErrorSchema.omit({ message: true }).nullable(),
    provenance: VerdictProvenanceSchema.nullable(),
    split: z.string(),
    /** Decontamination: the problem is from (or matches) an evaluation set; do not train on it. */
    held_out: z.enum(['eval_split', 'eval_statement_match']).nullable(),
    run_id: z.string(),
    config_hash: z.string(),
  })
  .refine((r) => (r.status === 'scored' ? r.reward !== null && r.verdict !== null && r.error === null : r.reward === null && r.verdict === null && r.error !== null), {
    message: 'expected reward and verdict exactly when status is "scored", and an error exactly when it is "error"',
    path: ['reward'],
  })
  .refine((r) => r.verdict === null || r.reward === (r.verdict.kind === 'accepted' ? 1 : 0), {
    message: 'expected reward 1 for accepted and 0 for rejected',
    path: ['reward'],
  });

export type RewardRecord = z.infer<typeof RewardRecordSchema>;

export function toRewardRecord(record: CanonicalRecord): RewardRecord {
  const { verdict, error } = record;
  return {
    id: record.id,
    problem_id: record.problem_id,
    sample_index: record.sample_index,
    completion_hash: record.hashes.completion,
    status: verdict === null ? 'error' : 'scored',
    reward: verdict === null ? null : verdict.kind === 'accepted' ? 1 : 0,
    verdict: verdict === null ? null : { kind: verdict.kind, reason: verdict.reason, layer: verdict.layer },
    error: error === null ? null : { code: error.code, retryable: error.retryable },
    provenance: verdict?.provenance ?? null,
    split: record.split,
    held_out: record.held_out?.reason ?? null,
    run_id: record.run.run_id,
    config_hash: record.run.config_hash,
  };
}
