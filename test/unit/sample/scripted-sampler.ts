import { hashRequest } from '../../../pipeline/sample/request-hash.ts';
import type { Completion, PreparedRequest, Sampler } from '../../../pipeline/sample/sampler.ts';

export type Script = (request: PreparedRequest, attempt: number) => Completion | Error;

export interface ScriptedSampler extends Sampler {
  sent: Array<{ problemId: string; sampleIndex: number; attempt: number }>;
  maxInFlight: number;
}

export function completionOf(text: string, overrides: Partial<Completion> = {}): Completion {
  return { text, reasoning: null, reasoningRedacted: false, stopReason: 'end_turn', truncated: false, usage: { inputTokens: 10, outputTokens: 5 }, model: 'scripted', latencyMs: 1, ...overrides };
}

/**
 * A Sampler that stands in for a backend at the contract boundary: each send yields to the event
 * loop a few times (so concurrent sends overlap), then answers or throws what the script says.
 */
export function scriptedSampler(script: Script, options: { isCacheable?: boolean } = {}): ScriptedSampler {
  let inFlight = 0;
  const attempts = new Map<string, number>();
  const sampler: ScriptedSampler = {
    kind: 'openai',
    model: 'scripted',
    isCacheable: options.isCacheable ?? true,
    sent: [],
    maxInFlight: 0,
    prepare: (input) => ({
      problemId: input.problem.id,
      sampleIndex: input.sampleIndex,
      hash: hashRequest({ kind: 'openai', model: 'scripted', sampleIndex: input.sampleIndex, body: input.prompt.user }),
      seed: input.sampleIndex,
      reservedTokens: 100,
      body: input.prompt.user,
    }),
    async send(request, signal) {
      const key = `${request.problemId}#${request.sampleIndex}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      sampler.sent.push({ problemId: request.problemId, sampleIndex: request.sampleIndex, attempt });
      inFlight += 1;
      sampler.maxInFlight = Math.max(sampler.maxInFlight, inFlight);
      try {
        for (let tick = 0; tick < 3; tick += 1) await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
        const outcome = script(request, attempt);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      } finally {
        inFlight -= 1;
      }
    },
    async close() {},
  };
  return sampler;
}
