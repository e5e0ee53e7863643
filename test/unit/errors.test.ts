import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ProoflineError, isProoflineError } from '../../pipeline/errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('ProoflineError', () => {
  it('takes retryability from its code unless the situation overrides it', () => {
    expect(new ProoflineError('LEAN_CRASHED', 'x').retryable).toBe(true);
    expect(new ProoflineError('INPUT_INVALID', 'x').retryable).toBe(false);
    expect(new ProoflineError('LEAN_CRASHED', 'x', { retryable: false }).retryable).toBe(false);
  });

  it('keeps the original error as cause and serialises code, message and retryable', () => {
    const cause = new Error('ENOENT');
    const error = new ProoflineError('LEAN_SPAWN_FAILED', 'Cannot spawn `lake`', { cause, details: { cwd: '/x' } });
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toEqual({ code: 'LEAN_SPAWN_FAILED', message: 'Cannot spawn `lake`', retryable: true, details: { cwd: '/x' } });
    expect(isProoflineError(error, 'LEAN_SPAWN_FAILED')).toBe(true);
    expect(isProoflineError(error, 'LEAN_CRASHED')).toBe(false);
    expect(isProoflineError(cause)).toBe(false);
  });
});

describe('README errors table', () => {
  it.each(Object.keys(ERROR_CODES))('documents %s', (code) => {
    const wildcardRows = [...readme.matchAll(/`([A-Z_]+)_\*`/g)].map((m) => m[1]!);
    const isListed = readme.includes(`\`${code}\``) || wildcardRows.some((prefix) => code.startsWith(`${prefix}_`));
    expect(isListed, `${code} is missing from the README's Errors section`).toBe(true);
  });
});
