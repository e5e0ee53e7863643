import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { loadReplaySampler } from '../../../pipeline/sample/replay-sampler.ts';
import { ReplaySamplerConfigSchema } from '../../../pipeline/sample/sampler-config.ts';
import type { Sampler } from '../../../pipeline/sample/sampler.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const problem = { id: 'amc12a_2013_p4', header: '', formal_statement: 'theorem amc12a_2013_p4 : True := by sorry' };
const prompt = { version: 'v', system: 's', user: 'u', estimatedTokens: 1 };
let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-replay-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const send = (sampler: Sampler, sampleIndex: number) => sampler.send(sampler.prepare({ problem, sampleIndex, prompt }), new AbortController().signal);

describe('replay sampler over the recorded attempts in datasets/attempts', () => {
  const config = ReplaySamplerConfigSchema.parse({
    sources: [
      { path: 'datasets/attempts/kimina-prover-preview-minif2f-test.jsonl', text_field: 'reasoning' },
      { path: 'datasets/attempts/deepseek-prover-v2-minif2f-test.jsonl', text_field: 'candidate', lean_file: true },
    ],
  });

  test('sample k is the k-th recorded row for the problem, across sources in config order', async () => {
    const sampler = await loadReplaySampler(config, { cwd: root });
    const kimina = await send(sampler, 0);
    const deepseek = await send(sampler, 1);
    expect(kimina.model).toMatch(/^Kimina-Prover-Preview/u);
    expect(kimina.text).toMatch(/^<think>/u);
    expect(kimina.text).toContain('```lean4');
    expect(deepseek.model).toBe('DeepSeek-Prover-V2-671B');
    expect(deepseek.text.startsWith('```lean4\nimport Mathlib')).toBe(true);
    expect(deepseek.text.endsWith('\n```')).toBe(true);
    expect(kimina).toMatchObject({ stopReason: 'recorded', truncated: false, usage: { inputTokens: 0, outputTokens: 0 } });
  });

  test('a sample index beyond the recorded rows is REPLAY_MISSING saying how many exist', async () => {
    const sampler = await loadReplaySampler(config, { cwd: root });
    const error = await send(sampler, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProoflineError);
    expect(error).toMatchObject({ code: 'REPLAY_MISSING', retryable: false, details: { recorded: 2 } });
    await expect(sampler.send(sampler.prepare({ problem: { ...problem, id: 'unknown' }, sampleIndex: 0, prompt }), new AbortController().signal)).rejects.toMatchObject({ code: 'REPLAY_MISSING' });
  });

  test('a row without the configured text field is INPUT_INVALID with its file and line', async () => {
    await writeFile(join(dir, 'r.jsonl'), '{"problem_id":"a","text":"x"}\n{"problem_id":"b"}\n');
    const bad = ReplaySamplerConfigSchema.parse({ sources: [{ path: 'r.jsonl' }] });
    await expect(loadReplaySampler(bad, { cwd: dir })).rejects.toThrow('r.jsonl:2: expected a string `text`');
  });

  test('no sources is a config error, not an empty run', async () => {
    await expect(loadReplaySampler({ sources: [] }, { cwd: dir })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
