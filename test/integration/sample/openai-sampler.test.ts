import { afterEach, describe, expect, test } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { createOpenAiSampler } from '../../../pipeline/sample/openai-sampler.ts';
import { OpenAiSamplerConfigSchema } from '../../../pipeline/sample/sampler-config.ts';
import type { Sampler } from '../../../pipeline/sample/sampler.ts';
import { type ChatReply, type ChatServer, chatBody, startChatServer } from './chat-completions-server.ts';
import { LEAN_ANSWER, runWith } from './run-kit.ts';

let server: ChatServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function openAiAgainst(reply: (index: number) => ChatReply, overrides: Record<string, unknown> = {}, apiKey: string | null = null): Promise<{ server: ChatServer; sampler: Sampler }> {
  server = await startChatServer((_, index) => reply(index));
  const config = OpenAiSamplerConfigSchema.parse({ base_url: server.url, model: 'kimina-prover-distill-8b', max_tokens: 1024, temperature: 0.6, seed: 7, extra_body: { top_k: 20 }, ...overrides });
  return { server, sampler: createOpenAiSampler(config, { apiKey }) };
}

const ok = (content: string | null, options?: Parameters<typeof chatBody>[1]): ChatReply => ({ status: 200, body: chatBody(content, options) });

describe('OpenAI-compatible sampler against a loopback chat-completions server', () => {
  test('captures reasoning_content, sends one request per sample with seed + k, the extra body and the API key', async () => {
    const { server, sampler } = await openAiAgainst(() => ok(LEAN_ANSWER, { reasoning: 'Try omega.' }), {}, 'sk-test');
    const run = await runWith(sampler, { n: 2, maxConcurrency: 1 });
    expect(run.records.map((record) => [record.sample_index, record.seed]).sort()).toEqual([[0, 7], [1, 8]]);
    expect(run.records[0]).toMatchObject({ reasoning: 'Try omega.', reasoning_source: 'api', model: 'served-model', stop_reason: 'stop', truncated: false, sampler: 'openai' });
    expect(run.records[0]!.proof).toContain('omega');
    expect(server.calls.map((call) => call.body.seed).sort()).toEqual([7, 8]);
    expect(server.calls[0]!.body).toMatchObject({ model: 'kimina-prover-distill-8b', max_tokens: 1024, temperature: 0.6, top_k: 20, messages: [{ role: 'system' }, { role: 'user' }] });
    expect(server.calls[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  test('sends no seed field when seed is null and no Authorization header without a key', async () => {
    const { server, sampler } = await openAiAgainst(() => ok(LEAN_ANSWER), { seed: null });
    const run = await runWith(sampler);
    expect(run.records[0]!.seed).toBeNull();
    expect(server.calls[0]!.body).not.toHaveProperty('seed');
    expect(server.calls[0]!.headers).not.toHaveProperty('authorization');
  });

  test('retries 429 and 503, honouring Retry-After, then succeeds', async () => {
    const replies: ChatReply[] = [
      { status: 429, body: { error: { message: 'rate limited' } }, headers: { 'retry-after': '0' } },
      { status: 503, body: { error: { message: 'overloaded' } } },
      ok(LEAN_ANSWER),
    ];
    const { server, sampler } = await openAiAgainst((index) => replies[index] ?? replies[2]!);
    const run = await runWith(sampler);
    expect(run.records).toHaveLength(1);
    expect(server.calls).toHaveLength(3);
    expect(run.summary).toMatchObject({ retries: 2, retries_by_code: { SAMPLER_THROTTLED: 1, SAMPLER_UNAVAILABLE: 1 } });
  });

  test.each([
    [400, 'SAMPLER_REQUEST_INVALID'],
    [401, 'SAMPLER_ACCESS_DENIED'],
    [404, 'SAMPLER_MODEL_NOT_FOUND'],
  ])('stops the run on HTTP %i without retrying (%s)', async (status, code) => {
    const { server, sampler } = await openAiAgainst(() => ({ status, body: { error: { message: `status ${status}` } } }));
    const run = await runWith(sampler, { n: 2, maxConcurrency: 1 });
    expect((run.fatalError as ProoflineError).code).toBe(code);
    expect((run.fatalError as ProoflineError).message).toContain(`HTTP ${status}`);
    expect(server.calls).toHaveLength(1);
  });

  test('a server that never answers times out and is reported as SAMPLER_TIMEOUT', async () => {
    const { server, sampler } = await openAiAgainst(() => ({ hang: true }));
    const run = await runWith(sampler, { timeoutMs: 200, maxAttempts: 2 });
    expect(run.summary.failures).toEqual({ SAMPLER_TIMEOUT: 1 });
    expect(server.calls).toHaveLength(2);
  });

  test('a 200 with a body that is not a chat completion is SAMPLER_RESPONSE_INVALID, retried', async () => {
    const { server, sampler } = await openAiAgainst(() => ({ status: 200, raw: '{"choices": []}' }));
    const run = await runWith(sampler, { maxAttempts: 2 });
    expect(run.summary.failures).toEqual({ SAMPLER_RESPONSE_INVALID: 1 });
    expect(server.calls).toHaveLength(2);
  });

  test('finish_reason length is kept and marked truncated', async () => {
    const { sampler } = await openAiAgainst(() => ok('```lean4\ntheorem add_comm_demo (a b : Nat) : a + b = b + a := by\n  induc', { finishReason: 'length' }));
    const [record] = (await runWith(sampler)).records;
    expect(record).toMatchObject({ stop_reason: 'length', truncated: true });
  });

  test('content null with only reasoning is a no_proof record, not an error', async () => {
    const { sampler } = await openAiAgainst(() => ok(null, { reasoning: 'Long thoughts, no answer.', finishReason: 'length' }));
    const run = await runWith(sampler);
    expect(run.records[0]).toMatchObject({ text: '', proof: null, reasoning: 'Long thoughts, no answer.', no_proof: { reason: 'no_proof' } });
  });

  test('a refused connection is SAMPLER_UNAVAILABLE after the retry budget', async () => {
    const { server, sampler } = await openAiAgainst(() => ok(LEAN_ANSWER));
    await server.close();
    const run = await runWith(sampler, { maxAttempts: 2 });
    expect(run.summary.failures).toEqual({ SAMPLER_UNAVAILABLE: 1 });
    expect(run.summary.requests).toBe(2);
  });
});
