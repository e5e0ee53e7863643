import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { ProoflineError } from '../errors.ts';
import { classifyBedrockError } from './bedrock-errors.ts';
import { hashRequest } from './request-hash.ts';
import type { BedrockSamplerConfig } from './sampler-config.ts';
import type { Completion, PreparedRequest, SampleInput, Sampler } from './sampler.ts';

export interface BedrockSamplerDeps {
  /** Static credentials (tests, explicit keys); omitted = the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per-attempt budget, also the HTTP/2 stream's inactivity timeout. */
  timeoutMs: number;
  now?: () => number;
}

/**
 * Bedrock Converse (`POST /model/{modelId}/converse`) through the AWS SDK's HTTP/2 handler.
 * SDK retries are off (`maxAttempts: 1`): the sampling run retries with its own backoff so that
 * every retry is counted, the tokens-per-minute limiter sees it, and Bedrock and OpenAI-compatible
 * backends follow one policy. Converse has no seed parameter, so `seed` is always null.
 */
export function createBedrockSampler(config: BedrockSamplerConfig, deps: BedrockSamplerDeps): Sampler {
  const now = deps.now ?? Date.now;
  const client = new BedrockRuntimeClient({
    region: config.region,
    ...(config.endpoint === null ? {} : { endpoint: config.endpoint }),
    ...(deps.credentials === undefined ? {} : { credentials: deps.credentials }),
    maxAttempts: 1,
    // Same handler the SDK picks by default (NodeHttp2Handler, one session per request), with our timeout.
    requestHandler: { requestTimeout: deps.timeoutMs, disableConcurrentStreams: true },
  });
  const context = { modelId: config.model_id, region: config.region };

  return {
    kind: 'bedrock',
    model: config.model_id,
    isCacheable: true,
    prepare(input: SampleInput): PreparedRequest {
      const body: ConverseCommandInput = {
        modelId: config.model_id,
        system: [{ text: input.prompt.system }],
        messages: [{ role: 'user', content: [{ text: input.prompt.user }] }],
        inferenceConfig: {
          maxTokens: config.max_tokens,
          ...(config.temperature === null ? {} : { temperature: config.temperature }),
          ...(config.top_p === null ? {} : { topP: config.top_p }),
          ...(config.stop_sequences.length === 0 ? {} : { stopSequences: [...config.stop_sequences] }),
        },
        ...(config.additional_model_request_fields === null
          ? {}
          : { additionalModelRequestFields: structuredClone(config.additional_model_request_fields) as ConverseCommandInput['additionalModelRequestFields'] }),
      };
      return {
        problemId: input.problem.id,
        sampleIndex: input.sampleIndex,
        hash: hashRequest({ kind: 'bedrock', model: config.model_id, sampleIndex: input.sampleIndex, body }),
        seed: null,
        reservedTokens: input.prompt.estimatedTokens + config.max_tokens,
        body,
      };
    },
    async send(request: PreparedRequest, signal: AbortSignal): Promise<Completion> {
      const startedAt = now();
      let output: ConverseCommandOutput;
      try {
        output = await client.send(new ConverseCommand(request.body as ConverseCommandInput), { abortSignal: signal });
      } catch (error) {
        throw classifyBedrockError(error, context);
      }
      return readConverseOutput(output, config.model_id, now() - startedAt);
    },
    async close() {
      client.destroy();
    },
  };
}

const REDACTED_PLACEHOLDER = '[REDACTED]';

/** Text blocks joined as the visible answer; reasoningText blocks as the trace; redactedContent flagged. */
export function readConverseOutput(output: ConverseCommandOutput, modelId: string, latencyMs: number): Completion {
  const content: ContentBlock[] | undefined = output.output?.message?.content;
  if (content === undefined || output.stopReason === undefined) {
    throw new ProoflineError('SAMPLER_RESPONSE_INVALID', `Bedrock Converse for ${modelId}: expected output.message.content and stopReason, got ${Object.keys(output).join(', ')}`, {
      details: { backend: 'bedrock', requestId: output.$metadata.requestId ?? null },
    });
  }
  const texts: string[] = [];
  const reasoning: string[] = [];
  let reasoningRedacted = false;
  for (const block of content) {
    if (block.text !== undefined) texts.push(block.text);
    else if (block.reasoningContent?.redactedContent !== undefined) reasoningRedacted = true;
    else if (block.reasoningContent?.reasoningText !== undefined) {
      const text = block.reasoningContent.reasoningText.text ?? '';
      // Nova 2 Lite bills reasoning but returns it as the literal `[REDACTED]` (trainer-interfaces.md §4.1).
      if (text.trim() === REDACTED_PLACEHOLDER) reasoningRedacted = true;
      else reasoning.push(text);
    }
  }
  return {
    text: texts.join(''),
    reasoning: reasoning.length === 0 ? null : reasoning.join('\n\n'),
    reasoningRedacted,
    stopReason: output.stopReason,
    truncated: output.stopReason === 'max_tokens',
    usage: { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 },
    model: modelId,
    latencyMs,
  };
}
