import { ProoflineError } from '../errors.ts';
import { createBedrockSampler, type BedrockSamplerDeps } from './bedrock-sampler.ts';
import { createOpenAiSampler } from './openai-sampler.ts';
import { loadReplaySampler } from './replay-sampler.ts';
import type { RemoteSamplerConfig, SamplerConfig } from './sampler-config.ts';
import type { Sampler } from './sampler.ts';

export interface CreateSamplerDeps {
  /** Relative replay source paths resolve against this directory. */
  cwd: string;
  /** The OpenAI-compatible API key, read by the worker from the env var `api_key_env` names. */
  apiKey?: string | null;
  /** Static Bedrock credentials (tests); omitted = the AWS SDK's default credential chain. */
  bedrockCredentials?: BedrockSamplerDeps['credentials'];
}

/** The sampler `sampler.kind` selects, built from its config section. */
export async function createSampler(config: SamplerConfig, deps: CreateSamplerDeps): Promise<Sampler> {
  switch (config.kind) {
    case 'bedrock':
      return createBedrockSampler(requireSection(config, 'bedrock'), {
        timeoutMs: config.timeout_ms,
        ...(deps.bedrockCredentials === undefined ? {} : { credentials: deps.bedrockCredentials }),
      });
    case 'openai':
      return createOpenAiSampler(requireSection(config, 'openai'), { apiKey: deps.apiKey ?? null });
    case 'replay':
      return loadReplaySampler(config.replay, { cwd: deps.cwd });
  }
}

/** The active backend's limits and prices (replay has none). */
export function remoteSection(config: SamplerConfig): RemoteSamplerConfig | null {
  return config.kind === 'replay' ? null : requireSection(config, config.kind);
}

function requireSection<K extends 'bedrock' | 'openai'>(config: SamplerConfig, kind: K): NonNullable<SamplerConfig[K]> {
  const section = config[kind];
  if (section === undefined) throw new ProoflineError('CONFIG_INVALID', `\`sampler.kind\` is ${kind} but there is no \`sampler.${kind}\` section`);
  return section as NonNullable<SamplerConfig[K]>;
}
