import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../pipeline/lean/lexer.ts';

const idents = (text: string): string[] => tokenize(text).tokens.filter((t) => t.kind === 'ident').map((t) => t.value);

describe('tokenize', () => {
  it('skips line comments and nested block comments, including doc comments', () => {
    const text = 'a -- sorry\n/- x /- sorry -/ sorry -/ b /-- doc sorry -/ c /-! mod sorry -/ d';
    expect(idents(text)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('unquotes «» components so that «sorry» is sorry and Foo.«bar baz» keeps its dots', () => {
    expect(idents('exact «sorry» Foo.«bar baz».qux')).toEqual(['exact', 'sorry', 'Foo.bar baz.qux']);
  });

  it('skips string literals but lexes the {…} parts of interpolated strings as code', () => {
    expect(idents('"sorry" s!"a {sorry} b" m!"\\{admit}" throwError "{admit}"')).toEqual(['s!', 'sorry', 'm!', 'throwError', 'admit']);
    expect(idents('s!"x {g s!"y {admit}"} z"')).toEqual(['s!', 'g', 's!', 'admit']);
  });

  it('treats { in an ordinary string as a character, as Lean does, so quotes cannot desync', () => {
    expect(idents('"{sorry}" f "{" sorry "}"')).toEqual(['f', 'sorry']);
    expect(idents(`s!"{'"'}" sorry "x"`)).toEqual(['s!', 'sorry']);
  });

  it('skips raw strings, whose quotes and braces are not special', () => {
    expect(idents('r"sorry {admit}" r#"a "sorry" b"# after')).toEqual(['after']);
  });

  it('reads a char literal holding a quote without opening a string', () => {
    expect(idents("f '\"' sorry '\\n' x")).toEqual(['f', 'sorry', 'x']);
  });

  it("follows Lean's identifier characters: subscripts, letter-like symbols, ', ! and ?", () => {
    expect(idents("h₀ ℝ x' Nat.succ_le' foo! bar? αβ 𝔽")).toEqual(['h₀', 'ℝ', "x'", "Nat.succ_le'", 'foo!', 'bar?', 'αβ', '𝔽']);
  });

  it('does not treat λ, Π, Σ or non-ASCII Latin letters as identifier characters (as Lean)', () => {
    expect(idents('λx Πy Σz éw')).toEqual(['x', 'y', 'z', 'w']);
  });

  it('ends a number at the first character outside its base, so 2sorry is 2 then sorry', () => {
    const { tokens } = tokenize('2sorry 0x1Fadmit 1e10 2.5');
    expect(tokens.map((t) => `${t.kind}:${t.value}`)).toEqual(['number:2', 'ident:sorry', 'number:0x1Fad', 'ident:mit', 'number:1e10', 'number:2.5']);
  });

  it('keeps a field index apart from its identifier', () => {
    expect(tokenize('h.1.2').tokens.map((t) => t.value)).toEqual(['h', '.', '1.2']);
  });

  it('makes #commands and #s card notation single hash tokens', () => {
    const { tokens } = tokenize('#eval 1\n#print axioms foo\n#s = 3 #guard_msgs');
    expect(tokens.filter((t) => t.kind === 'hash').map((t) => t.value)).toEqual(['#eval', '#print', '#s', '#guard_msgs']);
  });

  it('treats backtick name literals as identifiers and marks syntax quotations', () => {
    const { tokens } = tokenize('`sorry ``Lean.Elab `(tactic| rfl)');
    expect(tokens.slice(0, 3).map((t) => `${t.kind}:${t.value}`)).toEqual(['ident:sorry', 'ident:Lean.Elab', 'symbol:`(']);
  });

  it('reports 1-based lines and 0-based codepoint columns', () => {
    const { tokens } = tokenize('𝔽 a\n  /- c\n -/ b\n\t"s\n" c');
    expect(tokens.map((t) => `${t.value}@${t.line}:${t.column}`)).toEqual(['𝔽@1:0', 'a@1:2', 'b@3:4', '"s\n"@4:1', 'c@5:2']);
  });

  it('makes a string literal one token from its opening quote to after its closing quote', () => {
    const text = 'def note : String := "he said \\"hi\\" {x}"\ntheorem t';
    const { tokens } = tokenize(text);
    const str = tokens.find((t) => t.kind === 'string');
    expect(str).toMatchObject({ value: '"he said \\"hi\\" {x}"', line: 1, column: 21 });
    expect(text.slice(str?.start, str?.end)).toBe(str?.value);
    expect(tokens.map((t) => t.value).slice(-2)).toEqual(['theorem', 't']);
  });

  it('splits an interpolated string into chunks around its code, in text order and without overlap', () => {
    const text = 's!"a{x}b{f "}"}c" y';
    const { tokens } = tokenize(text);
    expect(tokens.map((t) => `${t.kind}:${t.value}`)).toEqual(['ident:s!', 'string:"a{', 'ident:x', 'string:}b{', 'ident:f', 'string:"}"', 'string:}c"', 'ident:y']);
    for (const t of tokens) expect(text.slice(t.start, t.end)).toBe(t.value);
    for (let k = 1; k < tokens.length; k++) expect(tokens[k]?.start).toBeGreaterThanOrEqual(tokens[k - 1]?.end ?? 0);
  });

  it('interpolates the message after throwErrorAt, throwNamedError(At), logNamedError and trace[cls]', () => {
    expect(idents('throwErrorAt ref "{sorry}"')).toEqual(['throwErrorAt', 'ref', 'sorry']);
    expect(idents('throwErrorAt (← getRef) "{admit}"')).toEqual(['throwErrorAt', 'getRef', 'admit']);
    expect(idents('throwNamedError lean.foo "{sorry}"')).toEqual(['throwNamedError', 'lean.foo', 'sorry']);
    expect(idents('throwNamedErrorAt stx lean.foo "{sorry}"')).toEqual(['throwNamedErrorAt', 'stx', 'lean.foo', 'sorry']);
    expect(idents('logNamedWarningAt stx lean.foo "{sorry}"')).toEqual(['logNamedWarningAt', 'stx', 'lean.foo', 'sorry']);
    expect(idents('trace[Meta.debug] "{sorry}"')).toEqual(['trace', 'Meta.debug', 'sorry']);
    expect(idents('println! "{sorry}"')).toEqual(['println!', 'sorry']);
  });

  it('keeps plain strings plain where Lean does: logInfo, the trace tactic, throwErrorAt\'s ref', () => {
    expect(idents('logInfo "{sorry}" trace "{admit}" trace [x] "{admit}"')).toEqual(['logInfo', 'trace', 'trace', 'x']);
    // the first string is throwErrorAt's `ref` argument (term:max), the second its message
    expect(idents('throwErrorAt "{admit}" "{sorry}"')).toEqual(['throwErrorAt', 'sorry']);
  });

  it('reports an unterminated block comment and an unterminated string', () => {
    expect(tokenize('a /- /- -/ b').unterminated).toEqual({ construct: 'block comment', line: 1, column: 2 });
    expect(tokenize('a\n "abc').unterminated).toEqual({ construct: 'string literal', line: 2, column: 1 });
    expect(tokenize('r#"abc"').unterminated?.construct).toBe('raw string literal');
    expect(tokenize('a "b" /- c -/').unterminated).toBeNull();
    expect(tokenize('x\n  s!"a {b} c').unterminated).toEqual({ construct: 'string literal', line: 2, column: 4 });
    expect(tokenize('s!"a {b').unterminated).toEqual({ construct: 'string literal', line: 1, column: 2 });
    expect(tokenize('"abc\\"').tokens).toMatchObject([{ kind: 'string', value: '"abc\\"' }]);
  });

  it('lexes := and @[ as single symbols', () => {
    expect(tokenize('@[simp] theorem t : x := y').tokens.map((t) => t.value)).toEqual(['@[', 'simp', ']', 'theorem', 't', ':', 'x', ':=', 'y']);
  });
});
