import { describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { assembleCandidate } from '../../../pipeline/lean/assemble.ts';
import { lintInput } from '../../../pipeline/lean/lint.ts';
import { POLICY_PRESETS } from '../../../pipeline/lean/policy.ts';
import { REVIEW_EXTRACTION_PENDING } from '../../fixtures/cases/source/review-extraction.ts';

/**
 * The golden cases of the L0 fixes that render-case.ts cannot render yet: until they join the
 * corpus, their hand-computed extraction and body are checked here, and L0/L1 must let them through.
 */
describe.each(REVIEW_EXTRACTION_PENDING.map((c) => [`${c.group}/${c.name}`, c] as const))('%s', (_name, c) => {
  it('extracts the hand-computed preamble, proof and form, and assembles the body by the formula', () => {
    const extracted = extractProof(c.input.completion, c.input.formal_statement, c.input.header);
    expect(extracted).toMatchObject({ ok: true, auxiliary: c.lean.auxiliary ?? '', preamble: c.lean.preamble ?? '', proof: c.lean.proof, form: c.lean.form ?? 'term' });
    if (!extracted.ok) return;
    const prefix = c.input.formal_statement.replace(/\s*:=\s*by\s+sorry\s*$/u, '');
    const lines = (c.lean.preamble ?? '') === '' ? '' : (c.lean.preamble as string).split('\n').map((l) => `${l} in\n`).join('');
    const statementPart = c.name === 'namespaced_statement' ? prefix : lines + prefix;
    const tail = c.lean.form === 'equations' ? `\n${c.lean.proof}` : ` := ${c.lean.proof}`;
    expect(assembleCandidate(c.input, extracted).body).toBe(statementPart + tail);
  });

  it('passes L0 and L1 under its policy', () => {
    expect(lintInput(c.input, POLICY_PRESETS[c.policy] as NonNullable<(typeof POLICY_PRESETS)[string]>)).toMatchObject({ kind: 'unchecked' });
  });
});

it('gives the namespaced statement its full name as the target', () => {
  const c = REVIEW_EXTRACTION_PENDING.find((p) => p.name === 'namespaced_statement');
  expect(c).toBeDefined();
  const extracted = extractProof(c?.input.completion ?? '', c?.input.formal_statement ?? '', '');
  if (!extracted.ok || c === undefined) throw new Error('expected an extraction');
  expect(assembleCandidate(c.input, extracted).target).toBe('Putnam.p1');
});
