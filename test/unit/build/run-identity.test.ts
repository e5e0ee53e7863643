import { describe, expect, it } from 'vitest';
import { configHash, defaultRunId } from '../../../pipeline/build/run-identity.ts';
import { parseConfig } from '../../../pipeline/config.ts';

describe('the run identity', () => {
  const config = parseConfig({ build: { problems: 'p.jsonl' } });
  const template = { version: 'v1', system: 'You prove theorems.', user: '{{formal_statement}}' };

  it('changes with the prompt template’s content, not only its path (a resumed run must not mix prompts)', () => {
    expect(configHash(config, 'policy', template)).not.toBe(configHash(config, 'policy', { ...template, user: 'Prove: {{formal_statement}}' }));
  });

  it('ignores where outputs and journals go', () => {
    const moved = parseConfig({ build: { problems: 'p.jsonl', output: 's3://b/x', state_dir: '/var/lib/proofline' } });
    expect(configHash(moved, 'policy', template)).toBe(configHash(config, 'policy', template));
  });

  it('names a run <name>-<YYYYMMDD>-<hash prefix>', () => {
    expect(defaultRunId('nightly', 'abcdef0123456789', new Date('2026-12-01T23:00:00Z'))).toBe('nightly-20261201-abcdef01');
  });
});
