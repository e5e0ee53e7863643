import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { VerifyItem } from '../reward-contract.ts';
import type { AdapterDeps } from './adapter-deps.ts';
import { InvalidFieldError, requireEveryVerdict } from './adapter-errors.ts';
import { statementFromLabel } from './problem-ref.ts';
import { parseBody, verifyOptions } from './request-context.ts';
import { verifyInOrder } from './verify-items.ts';

/**
 * The Amazon Bedrock reinforcement fine-tuning grader shape: `POST /v1/bedrock-rft/grade` takes
 * what the grader Lambda receives — a bare list of samples, `{"batch": [...]}`, or an API Gateway
 * proxy event `{"body": "<JSON of either>"}` — and returns what the Lambda must return:
 * `[{id, aggregate_reward_score, metrics_list: [{name, value, type: "Reward"|"Metric"}]}]`.
 *
 * Each sample: `{id, messages: [{role, content}], metadata: {reference_answer}}` (`reference_answer`
 * at the sample's top level is accepted too). The completion is the last assistant message; the
 * trusted statement is `reference_answer`: `{problem_id}`, `{header, formal_statement}`, or a
 * string read like an OpenRLHF label.
 *
 * No verdict for some sample: the whole request is 503 + Retry-After, so the forwarding Lambda
 * raises and the invocation is retried instead of grading a proof 0 because a checker crashed.
 * UNSURE: how many times Bedrock RFT retries a failed grader invocation is not documented in the
 * sources read.
 */
export const BEDROCK_RFT_TIMEOUT_S = 600; // the grader Lambda may run up to 15 min

const ContentSchema = z.union([z.string(), z.array(z.looseObject({ text: z.string().optional() }))]);
const SampleSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  messages: z.array(z.looseObject({ role: z.string(), content: ContentSchema })).min(1, 'expected at least the model response'),
  metadata: z.looseObject({ reference_answer: z.unknown().optional() }).nullable().optional(),
  reference_answer: z.unknown().optional(),
});
const SamplesSchema = z.array(SampleSchema);

/** The sample list inside any of the three envelopes (`{body}` is unwrapped once). */
export function unwrapSamples(body: unknown): unknown {
  if (Array.isArray(body)) return body;
  if (body !== null && typeof body === 'object') {
    const envelope = body as Record<string, unknown>;
    if (Array.isArray(envelope['batch'])) return envelope['batch'];
    if (typeof envelope['body'] === 'string') {
      let inner: unknown;
      try {
        inner = JSON.parse(envelope['body']);
      } catch (error) {
        throw new InvalidFieldError('body', `expected the API Gateway \`body\` to be JSON: ${(error as Error).message}`);
      }
      if (Array.isArray(inner)) return inner;
      if (inner !== null && typeof inner === 'object' && Array.isArray((inner as Record<string, unknown>)['batch'])) return (inner as Record<string, unknown>)['batch'];
      throw new InvalidFieldError('body', 'expected the API Gateway `body` to hold a list of samples or {"batch": [...]}');
    }
  }
  throw new InvalidFieldError('body', 'expected a list of samples, {"batch": [...]} or an API Gateway event {"body": "..."}');
}

function text(content: z.infer<typeof ContentSchema>): string {
  return typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('');
}

export async function bedrockRftRoutes(app: FastifyInstance, deps: AdapterDeps): Promise<void> {
  app.post('/v1/bedrock-rft/grade', async (request) => {
    const samples = parseBody(SamplesSchema, unwrapSamples(request.body), 'samples');
    const items: VerifyItem[] = samples.map((sample, i) => {
      const assistant = sample.messages.filter((m) => m.role === 'assistant');
      const response = assistant[assistant.length - 1];
      if (response === undefined) throw new InvalidFieldError(`samples[${i}].messages`, 'expected an assistant message (the model response)');
      const reference = sample.metadata?.reference_answer ?? sample.reference_answer;
      const field = sample.metadata?.reference_answer !== undefined ? `samples[${i}].metadata.reference_answer` : `samples[${i}].reference_answer`;
      return { id: String(i), ...statementFromLabel(reference, field), completion: text(response.content) };
    });
    const results = await verifyInOrder(deps.service, items, verifyOptions(request, BEDROCK_RFT_TIMEOUT_S));
    requireEveryVerdict(results, (i) => `samples[${i}].metadata.reference_answer`);
    return results.map((r, i) => ({
      id: (samples[i] as { id: string | number }).id,
      aggregate_reward_score: r.reward as number,
      metrics_list: [
        { name: 'lean_verified', value: r.verified ? 1 : 0, type: 'Reward' },
        { name: 'lean_time_s', value: r.lean_time_s, type: 'Metric' },
        { name: 'cached', value: r.cached ? 1 : 0, type: 'Metric' },
      ],
    }));
  });
}
