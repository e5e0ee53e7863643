import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import type { Completion } from './sampler.ts';

/**
 * The part of an OpenAI chat-completions response we read. Reasoning arrives as
 * `message.reasoning_content` (vLLM/SGLang reasoning parsers, DeepSeek API) or `message.reasoning`
 * (newer vLLM, Ollama); content may be null when the model only reasoned.
 */
const ChatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          reasoning_content: z.string().nullable().optional(),
          reasoning: z.string().nullable().optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }).nullable().optional(),
});

export interface ChatCompletionContext {
  url: string;
  configuredModel: string;
  latencyMs: number;
}

/** Parses a 2xx body into a Completion; anything off-format is SAMPLER_RESPONSE_INVALID (retryable). */
export function readChatCompletion(bodyText: string, context: ChatCompletionContext): Completion {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch (cause) {
    throw invalid(context, `a JSON body, got ${JSON.stringify(bodyText.slice(0, 80))}`, cause);
  }
  const parsed = ChatCompletionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(context, `a chat completion (\`${issue.path.join('.')}\`: ${issue.message})`, parsed.error);
  }
  const choice = parsed.data.choices[0]!;
  const reasoning = choice.message.reasoning_content ?? choice.message.reasoning ?? null;
  const stopReason = choice.finish_reason ?? 'unknown';
  return {
    text: choice.message.content ?? '',
    reasoning: reasoning === '' ? null : reasoning,
    reasoningRedacted: false,
    stopReason,
    truncated: stopReason === 'length',
    usage: { inputTokens: parsed.data.usage?.prompt_tokens ?? 0, outputTokens: parsed.data.usage?.completion_tokens ?? 0 },
    model: parsed.data.model ?? context.configuredModel,
    latencyMs: context.latencyMs,
  };
}

function invalid(context: ChatCompletionContext, expected: string, cause: unknown): ProoflineError {
  return new ProoflineError('SAMPLER_RESPONSE_INVALID', `POST ${context.url} for model ${context.configuredModel}: expected ${expected}`, {
    cause,
    details: { backend: 'openai' },
  });
}
