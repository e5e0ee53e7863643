import { z } from 'zod';

/** The trusted statement must end in `:= by sorry`: that final `sorry` is where a proof goes. */
export const STATEMENT_SORRY_SUFFIX = /:=\s*by\s+sorry\s*$/u;

/**
 * A problem as the datasets ship it (`datasets/*.jsonl`): a natural-language statement and the
 * trusted Lean `header` + `formal_statement`. Unknown fields are kept (provenance, tags).
 */
export const ProblemSchema = z
  .looseObject({
    id: z.string().min(1, 'expected a non-empty problem id'),
    header: z.string(),
    formal_statement: z
      .string()
      .regex(STATEMENT_SORRY_SUFFIX, 'expected a Lean statement ending in `:= by sorry`'),
    informal_statement: z.string().optional(),
    split: z.string().optional(),
    source: z.string().optional(),
  });

export type Problem = z.infer<typeof ProblemSchema>;

/** One line of `proofline check` / `proofline lint` input: a trusted problem plus untrusted model output. */
export const CheckInputSchema = z.looseObject({
  id: z.string().min(1, 'expected a non-empty id'),
  header: z.string(),
  formal_statement: z
    .string()
    .regex(STATEMENT_SORRY_SUFFIX, 'expected a Lean statement ending in `:= by sorry`'),
  completion: z.string(),
});

export type CheckInput = z.infer<typeof CheckInputSchema>;
