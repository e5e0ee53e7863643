import { describe, expect, test } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { ProoflineError } from '../../../pipeline/errors.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Problem } from '../../../pipeline/schemas/problem.ts';
import type { SampleCache } from '../../../pipeline/sample/sample-cache.ts';
import { runSampling, type SampleRunOptions } from '../../../pipeline/sample/sample-run.ts';
import type { Completion } from '../../../pipeline/sample/sampler.ts';
import { completionOf, type ScriptedSampler, scriptedSampler } from './scripted-sampler.ts';

const ANSWER = 'Easy.\n```lean4\ntheorem p0 : True := by\n  trivial\n```';
const problems: Problem[] = [0, 1, 2, 3].map((i) => ({ id: `p${i}`, header: '', formal_statement: `theorem p${i} : True := by sorry` }));

function run(sampler: ScriptedSampler, overrides: Partial<SampleRunOptions> = {}): Promise<Awaited<ReturnType<typeof runSampling>> & { records: CompletionRecord[] }> {
  const records: CompletionRecord[] = [];
  return runSampling({
    sampler, problems, n: 3, maxConcurrency: 3, tokenLimiter: null, retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5000,
    cache: null, extract: extractProof, price: null, isDone: () => false,
    template: { version: 'test-v1', system: 'sys', user: '{{formal_statement}}' },
    writeRecord: async (record) => void records.push(record),
    ...overrides,
  }).then((result) => ({ ...result, records }));
}

describe('runSampling', () => {
  test('never has more than maxConcurrency requests in flight, and uses all of them', async () => {
    const sampler = scriptedSampler(() => completionOf(ANSWER));
    const result = await run(sampler);
    expect(result.records).toHaveLength(12);
    expect(sampler.maxInFlight).toBe(3);
  });

  test('skips (problem, sample) pairs already written and counts them', async () => {
    const sampler = scriptedSampler(() => completionOf(ANSWER));
    const result = await run(sampler, { isDone: (id, k) => id !== 'p2' || k === 0 });
    expect(sampler.sent.map((s) => `${s.problemId}#${s.sampleIndex}`).sort()).toEqual(['p2#1', 'p2#2']);
    expect(result.summary).toMatchObject({ planned: 12, already_done: 10, written: 2 });
  });

  test('a run-wide error stops the run: no new samples start and nothing is counted as a rejection', async () => {
    const sampler = scriptedSampler(() => new ProoflineError('SAMPLER_ACCESS_DENIED', 'no access'));
    const result = await run(sampler, { maxConcurrency: 1 });
    expect((result.fatalError as ProoflineError).code).toBe('SAMPLER_ACCESS_DENIED');
    expect(sampler.sent).toHaveLength(1);
    expect(result.records).toEqual([]);
    expect(result.summary.failures).toEqual({});
  });

  test('a per-sample failure past the retries is counted by code and the other samples are written', async () => {
    const sampler = scriptedSampler((request) => (request.problemId === 'p1' && request.sampleIndex === 2 ? new ProoflineError('SAMPLER_UNAVAILABLE', 'down') : completionOf(ANSWER)));
    const result = await run(sampler);
    expect(result.fatalError).toBeNull();
    expect(result.records).toHaveLength(11);
    expect(result.summary).toMatchObject({ failures: { SAMPLER_UNAVAILABLE: 1 }, retries: 2, requests: 14 });
  });

  test('a plain Error from a backend is a bug: it stops the run instead of being retried', async () => {
    const bug = new TypeError('undefined is not a function');
    const sampler = scriptedSampler(() => bug);
    const result = await run(sampler, { maxConcurrency: 1 });
    expect(result.fatalError).toBe(bug);
    expect(sampler.sent).toHaveLength(1);
  });

  test('aborting the run signal stops starting samples but writes the ones in flight', async () => {
    const controller = new AbortController();
    const sampler = scriptedSampler(() => completionOf(ANSWER));
    const result = await run(sampler, { signal: controller.signal, maxConcurrency: 2, onEvent: (event) => event.type === 'written' && controller.abort() });
    expect(result.interrupted).toBe(true);
    expect(result.records.length).toBe(sampler.sent.length);
    expect(result.records.length).toBeLessThan(12);
  });

  test('stores paid completions in the cache and serves them next time; never caches a non-cacheable sampler', async () => {
    const store = new Map<string, Completion>();
    const cache: SampleCache = { get: async (hash) => store.get(hash) ?? null, set: async (hash, completion) => void store.set(hash, completion) };
    await run(scriptedSampler(() => completionOf(ANSWER)), { cache });
    expect(store.size).toBe(12);
    const again = scriptedSampler(() => completionOf('different'));
    const second = await run(again, { cache });
    expect(again.sent).toHaveLength(0);
    expect(second.records.every((record) => record.cached && record.text === ANSWER)).toBe(true);
    const replayLike = scriptedSampler(() => completionOf(ANSWER), { isCacheable: false });
    store.clear();
    await run(replayLike, { cache });
    expect(store.size).toBe(0);
  });

  test('records carry the prompt version, the request hash and the extracted proof', async () => {
    const result = await run(scriptedSampler(() => completionOf(ANSWER, { reasoning: 'api trace' })), { n: 1, problems: problems.slice(0, 1) });
    expect(result.records[0]).toMatchObject({ problem_id: 'p0', sample_index: 0, prompt_version: 'test-v1', proof: 'by\n  trivial', reasoning: 'api trace', reasoning_source: 'api', seed: 0 });
    expect(result.records[0]!.request_hash).toMatch(/^[0-9a-f]{64}$/u);
  });
});
