import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig, parseConfig } from '../../../pipeline/config.ts';
import { ProoflineError } from '../../../pipeline/errors.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('sampler config', () => {
  test('a config without a sampler section defaults to replay with cache, retry and prompt defaults', () => {
    const { sampler } = parseConfig({});
    expect(sampler).toMatchObject({ kind: 'replay', n: 1, prompt: 'datasets/prompts/lean4-proof-v1.yaml', cache: { enabled: true, dir: '.proofline-cache/samples' }, retry: { max_attempts: 6 } });
  });

  test('kind bedrock without a bedrock section is rejected with the key path', () => {
    const error = (() => { try { parseConfig({ sampler: { kind: 'bedrock' } }); } catch (e) { return e; } })() as ProoflineError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('`sampler.bedrock`');
  });

  test('unknown keys and bad values name the key and the value received', () => {
    expect(() => parseConfig({ sampler: { kind: 'openai', openai: { base_url: 'http://x/v1', model: 'm', max_concurency: 2 } } })).toThrow('unknown key(s) `max_concurency`');
    expect(() => parseConfig({ sampler: { kind: 'bedrock', bedrock: { region: 'us-east-1', model_id: 'm', tokens_per_minute: -5 } } })).toThrow('sampler.bedrock.tokens_per_minute');
  });

  test.each(['sample-bedrock.yaml', 'sample-openai.yaml', 'sample-replay.yaml'])('the example datasets/%s loads', (file) => {
    const config = loadConfig({ file: join(root, 'datasets', file) });
    expect(config.sampler.kind).toBe(file.replace('sample-', '').replace('.yaml', ''));
  });

  test('--n arrives as an override that wins over the file', () => {
    expect(loadConfig({ file: join(root, 'datasets/sample-replay.yaml'), overrides: { sampler: { n: 5 } } }).sampler.n).toBe(5);
  });
});
