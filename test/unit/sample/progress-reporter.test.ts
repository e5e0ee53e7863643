import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { createProgressReporter, formatSummary } from '../../../pipeline/sample/progress-reporter.ts';
import { SamplingStats } from '../../../pipeline/sample/sampling-stats.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';

function capture(): { stream: PassThrough; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, lines: () => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('progress reporter without a TTY', () => {
  test('writes JSON lines: progress (throttled), one per retry and per failure, and a final progress line', () => {
    const { stream, lines } = capture();
    let now = 0;
    const reporter = createProgressReporter(stream, { isTTY: false, intervalMs: 1000, now: () => now });
    const record = { cached: false, usage: { input_tokens: 7, output_tokens: 3 } } as CompletionRecord;
    reporter.onEvent({ type: 'planned', total: 3, alreadyDone: 1 });
    reporter.onEvent({ type: 'retry', problemId: 'p', sampleIndex: 0, code: 'SAMPLER_THROTTLED', attempt: 1, delayMs: 500 });
    reporter.onEvent({ type: 'written', record });
    now = 1500;
    reporter.onEvent({ type: 'failed', problemId: 'p', sampleIndex: 1, error: new ProoflineError('SAMPLER_TIMEOUT', 'slow') });
    reporter.stop();
    expect(lines().map((line) => line.event)).toEqual(['progress', 'retry', 'failed', 'progress', 'progress']);
    expect(lines().at(-1)).toEqual({ event: 'progress', total: 3, done: 3, written: 1, failed: 1, retries: 1, tokens: 10 });
  });
});

describe('summary', () => {
  test('prices only tokens paid in this run and names failures by code', () => {
    const stats = new SamplingStats();
    const completion = { text: '', reasoning: null, reasoningRedacted: false, stopReason: 'end_turn', truncated: true, usage: { inputTokens: 1_000_000, outputTokens: 200_000 }, model: 'm', latencyMs: 1 };
    stats.recordWritten(completion, { cached: false, hasProof: false });
    stats.recordWritten(completion, { cached: true, hasProof: true });
    stats.recordFailure('SAMPLER_THROTTLED');
    const summary = stats.summary({ input_per_million_usd: 3, output_per_million_usd: 15 }, 1234);
    expect(summary).toMatchObject({ written: 2, cache_hits: 1, input_tokens: 1_000_000, output_tokens: 200_000, estimated_cost_usd: 6, no_proof: 1, truncated: 2, failures: { SAMPLER_THROTTLED: 1 } });
    expect(formatSummary(summary)).toContain('failures   SAMPLER_THROTTLED 1');
    expect(formatSummary(stats.summary(null, 0))).toContain('n/a (no sampler price configured)');
  });
});
