import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRedisSampleCache } from '../../../pipeline/cluster/redis-sample-cache.ts';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { loadPromptTemplate } from '../../../pipeline/sample/prompt.ts';
import { SamplingStats } from '../../../pipeline/sample/sampling-stats.ts';
import { createSampleStage } from '../../../pipeline/stages/sample-stage.ts';
import { REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';
import { completionOf, scriptedSampler } from '../../unit/sample/scripted-sampler.ts';
import { dropNamespace, skipReason, testClient, testNamespace } from './redis-kit.ts';

/**
 * The sample stage on a cache shared across processes (the Redis one): two workers running the
 * same job at once (a stalled job redelivered while the first run is still going) pay for each
 * request once; the second waits for the first's answer and reports it cached.
 */
const skip = await skipReason();

describe.skipIf(skip !== null)('sample stage with the shared Redis sample cache', () => {
  let redis: Redis;
  let namespace: string;
  beforeAll(() => {
    redis = testClient();
    namespace = testNamespace();
  });
  afterAll(async () => {
    await dropNamespace(redis, namespace);
    redis.disconnect();
  });

  test('two workers sampling the same (problem, sample) at once send one request', async () => {
    const template = loadPromptTemplate(join(REPO_ROOT, 'datasets', 'prompts', 'lean4-proof-v1.yaml'));
    const problem = { id: 'p1', header: 'import Mathlib', formal_statement: 'theorem t : 1 + 1 = 2 := by sorry' };
    const workers = [0, 1].map(() => {
      const sampler = scriptedSampler(() => completionOf('```lean4\nby norm_num\n```'));
      const stage = createSampleStage({
        sampler, template, stats: new SamplingStats(), extract: extractProof, timeoutMs: 5_000, limiter: null,
        cache: createRedisSampleCache(redis, { namespace, pollMs: 5 }), retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      });
      return { sampler, stage };
    });
    const records = await Promise.all(workers.map(({ stage }) => stage.run({ problem, sampleIndex: 0 }, new AbortController().signal)));
    expect(workers.reduce((sum, { sampler }) => sum + sampler.sent.length, 0)).toBe(1);
    expect(records.map((r) => r.cached).sort()).toEqual([false, true]);
    expect(records[0]!.text).toBe(records[1]!.text);
  });
});
