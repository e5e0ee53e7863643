import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { createBedrockSampler } from '../../../pipeline/sample/bedrock-sampler.ts';
import { createFileSampleCache } from '../../../pipeline/sample/sample-cache.ts';
import { BedrockSamplerConfigSchema } from '../../../pipeline/sample/sampler-config.ts';
import type { Sampler } from '../../../pipeline/sample/sampler.ts';
import { type ConverseReply, type ConverseServer, converseBody, startConverseServer } from './converse-server.ts';
import { LEAN_ANSWER, runWith } from './run-kit.ts';

const MODEL_ID = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
let server: ConverseServer | null = null;
let sampler: Sampler | null = null;

afterEach(async () => {
  await sampler?.close();
  await server?.close();
  sampler = null;
  server = null;
});

async function bedrockAgainst(reply: (index: number) => ConverseReply, overrides: Record<string, unknown> = {}, timeoutMs = 5000): Promise<{ server: ConverseServer; sampler: Sampler }> {
  server = await startConverseServer((_, index) => reply(index));
  const config = BedrockSamplerConfigSchema.parse({
    region: 'us-east-1',
    model_id: MODEL_ID,
    endpoint: server.url,
    max_tokens: 2048,
    temperature: 1,
    additional_model_request_fields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
    ...overrides,
  });
  sampler = createBedrockSampler(config, { timeoutMs, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test' } });
  return { server, sampler };
}

const error = (status: number, errorType: string): ConverseReply => ({ status, errorType, message: `${errorType} from the test server` });

describe('Bedrock sampler against a loopback h2c Converse server (real AWS SDK client)', () => {
  test('captures reasoningText as the trace, sends the Converse request shape and signs it', async () => {
    const { server, sampler } = await bedrockAgainst(() => ({ status: 200, body: converseBody([{ reasoningContent: { reasoningText: { text: 'Commutativity; omega closes it.', signature: 'sig' } } }, { text: LEAN_ANSWER }]) }));
    const run = await runWith(sampler);
    expect(run.fatalError).toBeNull();
    const [record] = run.records;
    expect(record).toMatchObject({ reasoning: 'Commutativity; omega closes it.', reasoning_source: 'api', reasoning_redacted: false, stop_reason: 'end_turn', truncated: false, sampler: 'bedrock', model: MODEL_ID, seed: null });
    expect(record!.proof).toContain('omega');
    expect(record!.usage).toEqual({ input_tokens: 120, output_tokens: 80 });
    const call = server.calls[0]!;
    expect(call.path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse`);
    expect(call.body).toMatchObject({ inferenceConfig: { maxTokens: 2048, temperature: 1 }, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } } });
    expect(call.body.system).toEqual([{ text: expect.stringContaining('Lean 4') }]);
    expect(String(call.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request/u);
    expect(run.summary.estimated_cost_usd).toBeCloseTo((120 * 3 + 80 * 15) / 1e6, 9);
  });

  test('records redacted reasoning as redacted and falls back to the prose around the Lean block', async () => {
    const { sampler } = await bedrockAgainst(() => ({ status: 200, body: converseBody([{ reasoningContent: { redactedContent: Buffer.from('opaque').toString('base64') } }, { text: LEAN_ANSWER }]) }));
    const [record] = (await runWith(sampler)).records;
    expect(record).toMatchObject({ reasoning_redacted: true, reasoning_source: 'extracted' });
    expect(record!.reasoning).toContain('commutative');
  });

  test('retries ThrottlingException and ServiceUnavailableException with backoff, then succeeds and counts the retries', async () => {
    const replies = [error(429, 'ThrottlingException'), error(503, 'ServiceUnavailableException'), { status: 200 as const, body: converseBody([{ text: LEAN_ANSWER }]) }];
    const { server, sampler } = await bedrockAgainst((index) => replies[index] ?? replies[2]!);
    const run = await runWith(sampler);
    expect(run.records).toHaveLength(1);
    expect(server.calls).toHaveLength(3);
    expect(run.summary).toMatchObject({ requests: 3, retries: 2, retries_by_code: { SAMPLER_THROTTLED: 1, SAMPLER_UNAVAILABLE: 1 }, failures: {} });
  });

  test.each([
    [400, 'ValidationException', 'SAMPLER_REQUEST_INVALID', 'ValidationException'],
    [403, 'AccessDeniedException', 'SAMPLER_ACCESS_DENIED', 'bedrock:InvokeModel'],
    [404, 'ResourceNotFoundException', 'SAMPLER_MODEL_NOT_FOUND', 'model_id'],
  ])('stops the run on HTTP %i %s without retrying (%s)', async (status, errorType, code, hint) => {
    const { server, sampler } = await bedrockAgainst(() => error(status, errorType));
    const run = await runWith(sampler, { n: 3, maxConcurrency: 1 });
    expect(run.fatalError).toBeInstanceOf(ProoflineError);
    expect((run.fatalError as ProoflineError).code).toBe(code);
    expect((run.fatalError as ProoflineError).message).toContain(hint);
    expect(server.calls).toHaveLength(1);
    expect(run.records).toEqual([]);
  });

  test('a response that never comes hits the timeout, is retried, then fails as SAMPLER_TIMEOUT without stopping the run', async () => {
    const { server, sampler } = await bedrockAgainst(() => ({ hang: true }), {}, 300);
    const run = await runWith(sampler, { timeoutMs: 300, maxAttempts: 2 });
    expect(run.fatalError).toBeNull();
    expect(run.summary.failures).toEqual({ SAMPLER_TIMEOUT: 1 });
    expect(run.summary.retries_by_code).toEqual({ SAMPLER_TIMEOUT: 1 });
    expect(server.calls).toHaveLength(2);
    expect(run.records).toEqual([]);
  });

  test('marks a max_tokens stop as truncated instead of passing it off as a finished answer', async () => {
    const { sampler } = await bedrockAgainst(() => ({ status: 200, body: converseBody([{ text: 'Let me think about this... ```lean4\ntheorem add_comm_demo (a b : Nat) : a + b = b + a := by\n  induction a with' }], { stopReason: 'max_tokens' }) }));
    const [record] = (await runWith(sampler)).records;
    expect(record).toMatchObject({ stop_reason: 'max_tokens', truncated: true });
    expect((await runWith(sampler)).summary.truncated).toBe(1);
  });

  test('a completion with no Lean block becomes a record with proof null and a no_proof detail', async () => {
    const { sampler } = await bedrockAgainst(() => ({ status: 200, body: converseBody([{ text: '<think>It follows from commutativity of addition.</think>' }]) }));
    const run = await runWith(sampler);
    expect(run.fatalError).toBeNull();
    expect(run.records).toHaveLength(1);
    expect(run.records[0]).toMatchObject({ proof: null, proof_source: null, no_proof: { reason: 'no_proof', detail: expect.any(String) } });
    expect(run.records[0]!.reasoning).toBe('It follows from commutativity of addition.');
    expect(run.summary.no_proof).toBe(1);
  });

  test('answers a rerun from the sample cache without sending a request; n samples are distinct cache entries', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'proofline-cache-'));
    try {
      const { server, sampler } = await bedrockAgainst((index) => ({ status: 200, body: converseBody([{ text: `${LEAN_ANSWER}\n(sample ${index})` }]) }));
      const first = await runWith(sampler, { n: 2, cache: createFileSampleCache(cacheDir) });
      const second = await runWith(sampler, { n: 2, cache: createFileSampleCache(cacheDir) });
      expect(server.calls).toHaveLength(2);
      expect(second.summary).toMatchObject({ requests: 0, cache_hits: 2, input_tokens: 0, estimated_cost_usd: 0 });
      expect(second.records.every((record) => record.cached)).toBe(true);
      const texts = (records: typeof first.records): string[] => records.map((record) => `${record.sample_index}:${record.text}`).sort();
      expect(texts(second.records)).toEqual(texts(first.records));
      expect(new Set(first.records.map((record) => record.request_hash)).size).toBe(2);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
