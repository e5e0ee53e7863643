import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openCompletionOutput } from '../../../pipeline/sample/completion-output.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';

let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-out-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const record = (problemId: string, sampleIndex: number): CompletionRecord => ({
  problem_id: problemId, sample_index: sampleIndex, sampler: 'replay', model: 'm', prompt_version: 'v', request_hash: '0'.repeat(64), seed: null, text: 't',
  reasoning: null, reasoning_source: null, reasoning_redacted: false, proof: 'by simp', auxiliary: null, proof_source: 'body_only', no_proof: null,
  stop_reason: 'recorded', truncated: false, usage: { input_tokens: 0, output_tokens: 0 }, latency_ms: 0, cached: false,
});

describe('openCompletionOutput', () => {
  test('knows the pairs already written and never appends one twice', async () => {
    const path = join(dir, 'out.jsonl');
    const first = await openCompletionOutput(path);
    await first.write(record('a', 0));
    await first.write(record('a', 0));
    await first.close();
    const second = await openCompletionOutput(path);
    expect(second.existingCount).toBe(1);
    expect([second.has('a', 0), second.has('a', 1)]).toEqual([true, false]);
    await second.write(record('a', 0));
    await second.write(record('a', 1));
    await second.close();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  test('cuts off a half-written last line left by a crash and then appends cleanly', async () => {
    const path = join(dir, 'out.jsonl');
    await writeFile(path, `${JSON.stringify(record('a', 0))}\n`);
    const partial = '{"problem_id":"a","sample_ind';
    await appendFile(path, partial);
    const output = await openCompletionOutput(path);
    expect(output.truncatedBytes).toBe(Buffer.byteLength(partial));
    await output.write(record('a', 1));
    await output.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as CompletionRecord);
    expect(lines.map((line) => line.sample_index)).toEqual([0, 1]);
  });

  test('refuses to append to a file with an unreadable line in the middle', async () => {
    const path = join(dir, 'out.jsonl');
    await writeFile(path, `${JSON.stringify(record('a', 0))}\nnot json\n${JSON.stringify(record('a', 1))}\n`);
    await expect(openCompletionOutput(path)).rejects.toThrow(`${path}:2: expected a completion record`);
  });

  test('an output path that cannot be opened is OUTPUT_WRITE_FAILED', async () => {
    await expect(openCompletionOutput(join(dir, 'missing-dir', 'out.jsonl'))).rejects.toMatchObject({ code: 'OUTPUT_WRITE_FAILED' });
  });
});
