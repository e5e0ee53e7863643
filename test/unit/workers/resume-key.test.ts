import { describe, expect, it } from 'vitest';
import { resumeKey, type ResumeSettings } from '../../../workers/commands/resume-key.ts';

const input = { header: 'import Mathlib', formal_statement: 'theorem t : True := by sorry', completion: 'trivial' };
const base: ResumeSettings = {
  command: 'check',
  checkerVersion: '0.1.0',
  policyDigest: 'a'.repeat(64),
  leanVersion: '4.33.0',
  mathlibRev: null,
  budget: { timeoutMs: 60_000, memoryLimitMb: 8192 },
  confirm: true,
  l4: null,
};

describe('resumeKey', () => {
  it('is stable for the same settings and input, and ignores the id and extra input fields', () => {
    expect(resumeKey({ ...base }, { ...input })).toBe(resumeKey(base, input));
    expect(resumeKey(base, { ...input, id: 'x', source: 'y' } as typeof input)).toBe(resumeKey(base, input));
  });

  it('changes with every setting and input field that can change a verdict', () => {
    const key = resumeKey(base, input);
    const variants: [string, ResumeSettings, typeof input][] = [
      ['command', { ...base, command: 'lint' }, input],
      ['checker version', { ...base, checkerVersion: '0.1.1' }, input],
      ['policy content', { ...base, policyDigest: 'b'.repeat(64) }, input],
      ['lean version', { ...base, leanVersion: '4.32.0' }, input],
      ['mathlib', { ...base, mathlibRev: 'abc' }, input],
      ['timeout', { ...base, budget: { timeoutMs: 30_000, memoryLimitMb: 8192 } }, input],
      ['memory', { ...base, budget: { timeoutMs: 60_000, memoryLimitMb: 4096 } }, input],
      ['confirm', { ...base, confirm: false }, input],
      ['l4', { ...base, l4: { sampleRate: 0.1, kernelCommand: ['nanoda', '{olean}'] } }, input],
      ['header', base, { ...input, header: '' }],
      ['statement', base, { ...input, formal_statement: 'theorem t : 1 = 1 := by sorry' }],
      ['completion', base, { ...input, completion: 'by trivial' }],
    ];
    for (const [what, settings, changed] of variants) expect(resumeKey(settings, changed), what).not.toBe(key);
  });

  it('does not let one field bleed into the next (header "ab"+"c" vs "a"+"bc")', () => {
    expect(resumeKey(base, { ...input, header: 'ab', formal_statement: 'c' })).not.toBe(resumeKey(base, { ...input, header: 'a', formal_statement: 'bc' }));
  });
});
