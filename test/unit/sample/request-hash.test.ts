import { describe, expect, test } from 'vitest';
import { canonicalJson, hashRequest } from '../../../pipeline/sample/request-hash.ts';

describe('hashRequest', () => {
  const identity = { kind: 'bedrock', model: 'm', sampleIndex: 0, body: { b: 1, a: { y: [1, { d: 2, c: 3 }], x: 'z' } } };

  test('does not depend on object key order', () => {
    const reordered = { sampleIndex: 0, model: 'm', body: { a: { x: 'z', y: [1, { c: 3, d: 2 }] }, b: 1 }, kind: 'bedrock' };
    expect(hashRequest(reordered)).toBe(hashRequest(identity));
    expect(canonicalJson({ b: 1, a: undefined, c: null })).toBe('{"b":1,"c":null}');
  });

  test('changes with the sample index, the model and any body field', () => {
    const base = hashRequest(identity);
    expect(base).toMatch(/^[0-9a-f]{64}$/u);
    expect(hashRequest({ ...identity, sampleIndex: 1 })).not.toBe(base);
    expect(hashRequest({ ...identity, model: 'n' })).not.toBe(base);
    expect(hashRequest({ ...identity, body: { ...identity.body, b: 2 } })).not.toBe(base);
  });
});
