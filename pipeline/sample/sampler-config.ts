import { z } from 'zod';

/**
 * The `sampler:` section of the config. Owned by pipeline/sample/; config.ts only mounts it.
 * (Placeholder shape: the sampling issue fills in bedrock/openai/replay settings.)
 */
export const SamplerConfigSchema = z
  .object({
    kind: z.enum(['bedrock', 'openai', 'replay']).default('replay'),
  })
  .default({ kind: 'replay' });

export type SamplerConfig = z.infer<typeof SamplerConfigSchema>;
