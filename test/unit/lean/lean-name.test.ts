import { describe, expect, it } from 'vitest';
import { escapeLeanName, escapeNamePart, isRoundTrippableName, parseLeanName, rootedLeanName } from '../../../pipeline/lean/lean-name.ts';

describe('escapeLeanName (Lean’s Name.toString with escaping)', () => {
  it.each([
    [['mathd_algebra_10'], 'mathd_algebra_10'],
    [['1st_thm'], '«1st_thm»'],
    [['Foo', 'bar'], 'Foo.bar'],
    [['Foo', 'b c'], 'Foo.«b c»'],
    [['h₀', "x'", 'ok?', 'go!'], "h₀.x'.ok?.go!"],
    [['α', 'ℕ_le'], 'α.ℕ_le'],
    [['λx'], '«λx»'],
    [['a.b'], '«a.b»'],
    [[''], '«»'],
    [['end'], 'end'],
  ])('prints %j as %s', (components, text) => {
    expect(escapeLeanName(components)).toBe(text);
  });

  it('escapes nothing in names Lean prints as they are (inaccessible, macro scopes, pseudo-syntax)', () => {
    expect(escapeLeanName(['x✝'])).toBe('x✝');
    expect(escapeLeanName(['#0', 'a b'])).toBe('#0.a b');
    expect(escapeLeanName(['foo', '_hyg'])).toBe('foo._hyg');
  });

  it('cannot escape a component containing », like Lean', () => {
    expect(escapeNamePart('a»b')).toBeNull();
    expect(escapeNamePart('ok', true)).toBe('«ok»');
    expect(isRoundTrippableName(['a»b'])).toBe(false);
    expect(isRoundTrippableName(['x✝'])).toBe(false);
    expect(isRoundTrippableName(['Foo', 'b c'])).toBe(true);
  });
});

describe('parseLeanName', () => {
  it.each([
    ['Foo.«b c».bar', ['Foo', 'b c', 'bar']],
    ['«a.b»', ['a.b']],
    ['a.b', ['a', 'b']],
    ['«»', ['']],
    ['𝔸x', ['𝔸x']],
  ])('reads %s', (text, components) => {
    expect(parseLeanName(text)).toEqual(components);
  });

  it.each(['', 'a.', '.a', 'a b', '1a', '«open', 'a..b', 'Foo.1'])('rejects %j', (text) => {
    expect(parseLeanName(text)).toBeNull();
  });
});

describe('rootedLeanName', () => {
  it('prefixes _root_ so that a keyword-like or shadowed name is one exact identifier', () => {
    expect(rootedLeanName('end')).toBe('_root_.end');
    expect(rootedLeanName('«1st_thm»')).toBe('_root_.«1st_thm»');
    expect(parseLeanName(rootedLeanName('Foo.«b c»'))).toEqual(['_root_', 'Foo', 'b c']);
  });
});
