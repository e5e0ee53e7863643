import { z } from 'zod';

const positiveInt = z.number().int().positive();

const exportToggle = (defaults: { enabled: boolean; max_per_problem: number | null }) =>
  z
    .object({
      enabled: z.boolean().default(defaults.enabled),
      /** At most this many rows per problem (null = all). */
      max_per_problem: positiveInt.nullable().default(defaults.max_per_problem),
      /** Keep one row per distinct proof text within a problem. */
      dedup_identical_proofs: z.boolean().default(true),
    })
    .strict()
    .default({ enabled: defaults.enabled, max_per_problem: defaults.max_per_problem, dedup_identical_proofs: true });

/**
 * `build:` — what `proofline build` reads besides `sampler:` and `lean:`. Every key has its default
 * here; README "Dataset builds" documents them.
 */
export const BuildConfigSchema = z
  .object({
    /** A short name for the dataset card and the default run id. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/u, 'expected a name of letters, digits, `.`, `_`, `-`').default('proofline'),
    /** Problems JSONL: a local path (relative to the working directory) or s3://bucket/key. */
    problems: z.string().min(1).optional(),
    /** Where runs go: a directory (`./out`) or `s3://bucket/prefix`. `--out` overrides it. */
    output: z.string().min(1).default('./out'),
    /** Run id; default `<name>-<YYYYMMDD>-<config hash>` (a rerun on the same day resumes). */
    run_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/u).nullable().default(null),
    /** Local directory for run journals (the durable progress of each run). */
    state_dir: z.string().min(1).default('.proofline/runs'),
    concurrency: z
      .object({
        /** Candidates checked at once (the checker's own pool bounds Lean processes). */
        check: positiveInt.default(8),
        /** Completions waiting for a checker before sampling pauses (backpressure). */
        max_pending_checks: positiveInt.default(64),
      })
      .strict()
      .default({ check: 8, max_pending_checks: 64 }),
    /** Records per part file (`records/part-00000.jsonl.gz`). */
    records_per_part: positiveInt.default(10_000),
    splits: z
      .object({
        validation_fraction: z.number().min(0).max(1).default(0.05),
        /** Changes every assignment when changed; keep it fixed across nights. */
        salt: z.string().default('proofline-splits-v1'),
      })
      .strict()
      .default({ validation_fraction: 0.05, salt: 'proofline-splits-v1' }),
    decontamination: z
      .object({
        /** Keep evaluation-set problems (and exact statement matches) out of training exports. */
        hold_out_eval_sets: z.boolean().default(true),
      })
      .strict()
      .default({ hold_out_eval_sets: true }),
    exports: z
      .object({
        sft: exportToggle({ enabled: true, max_per_problem: 4 }),
        preference: exportToggle({ enabled: true, max_per_problem: 4 }),
        rl_prompts: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
      })
      .strict()
      .default({
        sft: { enabled: true, max_per_problem: 4, dedup_identical_proofs: true },
        preference: { enabled: true, max_per_problem: 4, dedup_identical_proofs: true },
        rl_prompts: { enabled: true },
      }),
  })
  .strict();

export type BuildConfig = z.infer<typeof BuildConfigSchema>;
