/**
 * A Lean 4 tokenizer for the lexical gate (L1) and for extraction: fast (charCodeAt loops, no
 * regexes on the hot path) and faithful to Lean's own lexer where it matters for soundness.
 *
 * - Comments (`--`, nested `/- … -/`, doc comments `/--` and `/-!`) produce no tokens, so
 *   `-- sorry` is never a false reject.
 * - String literals produce one `string` token. In interpolated strings (after `s!`, `m!`, `f!`,
 *   `throwError`, …) the `{…}` parts are lexed as code, since Lean elaborates them:
 *   `s!"{sorry}"`. In other strings `{` is an ordinary character. Raw strings (`r"…"`,
 *   `r#"…"#`) have no escapes and no interpolation.
 * - Identifiers follow Lean's `isIdFirst`/`isIdRest`: ASCII letters, `_`, letter-like symbols
 *   (Greek except λ Π Σ, ℕ ℝ and the rest of U+2100–214F, script/double-struck letters), and in
 *   rest position digits, `'`, `!`, `?` and subscripts (₀-₉, ₐ-ₜ, ᵢ-ᵪ). Other non-ASCII letters
 *   are not identifier characters in Lean, so they are not here either. Dotted names form one
 *   token; «quoted» components are unquoted (`«sorry»` has value `sorry`).
 * - `#name` is one `hash` token (`#eval`, `#print`, but also Mathlib's `#s` card notation).
 * - Backtick name literals (`` `foo ``, ``` ``foo ```) are identifier tokens.
 *
 * Lines are 1-based, columns 0-based in codepoints (as Lean reports them).
 */

import { ASCII_STRINGS, OPEN_QUOTE, isDigit, isIdFirst, isIdRest, scanCharLiteral, scanIdent, scanNumber, unquote } from './lexer-chars.ts';

export type TokenKind = 'ident' | 'number' | 'string' | 'char' | 'symbol' | 'hash';

export interface Token {
  kind: TokenKind;
  /** Identifier name with «» removed; `#name` for hash tokens; the literal text otherwise. */
  value: string;
  /** UTF-16 offsets into the source: text.slice(start, end) is the raw token text. */
  start: number;
  end: number;
  line: number;
  column: number;
}

export interface TokenizeResult {
  tokens: Token[];
  /** Set when the text ends inside a block comment, string or raw string (Lean reports an error). */
  unterminated: { construct: 'block comment' | 'string literal' | 'raw string literal'; line: number; column: number } | null;
}

const MODE_CODE = 0;
const MODE_STRING = 1; // interpolated string: `{…}` is code
const MODE_PLAIN_STRING = 2; // ordinary string: `{` is a character
/**
 * Syntax that reads the string after it as an interpolated string. Lean decides this in the
 * parser, per syntax; we follow the syntax a proof can reach without metaprogramming (which L1
 * rejects anyway). Getting it wrong in either direction would let quotes inside braces desync
 * string boundaries, so plain strings are not interpolated.
 */
const INTERPOLATING = new Set(['s!', 'm!', 'f!', 'throwError', 'dbg_trace']);


export interface TokenizeOptions {
  /** Stop after this many tokens. */
  maxTokens?: number;
  /** Stop at the first token that starts at or after this offset. */
  untilOffset?: number;
}

/**
 * Tokenize Lean source. Never throws: malformed input yields symbols and an `unterminated` note.
 * The options stop early, for callers that only need a prefix: tokens are then exact up to the
 * stop (the last one may extend past `untilOffset`) and `unterminated` is not meaningful.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): TokenizeResult {
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const n = text.length;
  const limit = Math.min(n, options.untilOffset ?? n);
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0; // offset of the current line's first code unit
  let surrogatesOnLine = 0; // low surrogates between lineStart and the scan position (for codepoint columns)
  let surrogateScan = 0; // offset up to which `surrogatesOnLine` has been counted
  // Mode stack: strings inside interpolations inside strings… Each entry is a mode; for `code`
  // entries opened by an interpolation we count braces to find the closing `}`.
  const modes: number[] = [MODE_CODE];
  let inString = false; // modes[modes.length - 1] !== MODE_CODE, kept in a local for speed
  let interpolating = false; // modes[modes.length - 1] === MODE_STRING
  const braceDepths: number[] = [0];
  let stringStart = -1;
  let unterminated: TokenizeResult['unterminated'] = null;

  const columnAt = (offset: number): number => {
    if (surrogateScan < lineStart) {
      surrogateScan = lineStart;
      surrogatesOnLine = 0;
    }
    for (; surrogateScan < offset; surrogateScan++) {
      const c = text.charCodeAt(surrogateScan);
      if (c >= 0xdc00 && c <= 0xdfff) surrogatesOnLine++;
    }
    return offset - lineStart - surrogatesOnLine;
  };
  const newline = (offset: number): void => {
    line++;
    lineStart = offset + 1;
  };
  const push = (kind: TokenKind, value: string, start: number, end: number, tokLine: number, col: number): void => {
    tokens.push({ kind, value, start, end, line: tokLine, column: col });
  };
  const codePointAt = (k: number): number => {
    const c = text.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < n) return text.codePointAt(k) ?? c;
    return c;
  };

  /** Back to the enclosing mode after a string's closing quote or an interpolation's closing brace. */
  const leaveMode = (): void => {
    modes.pop();
    inString = (modes[modes.length - 1] ?? MODE_CODE) !== MODE_CODE;
    interpolating = modes[modes.length - 1] === MODE_STRING;
    braceDepths.pop();
  };

  while (i < limit && tokens.length < maxTokens) {
    if (inString) {
      // Inside a (non-raw) string literal: find the closing quote or an interpolation `{`.
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        leaveMode();
        i++;
        continue;
      }
      if (c === 0x5c) {
        // escape: skip the next code unit (a newline escape continues the string)
        if (i + 1 < n && text.charCodeAt(i + 1) === 0x0a) newline(i + 1);
        i += 2;
        continue;
      }
      if (c === 0x7b && interpolating) {
        modes.push(MODE_CODE);
        inString = false;
        interpolating = false;
        braceDepths.push(0);
        i++;
        continue;
      }
      if (c === 0x0a) newline(i);
      i++;
      continue;
    }

    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      newline(i);
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
      for (let d = text.charCodeAt(i); d === 0x20 || d === 0x09 || d === 0x0d; d = text.charCodeAt(i)) i++;
      continue;
    }
    // comments
    if (c === 0x2d && text.charCodeAt(i + 1) === 0x2d) {
      const eol = text.indexOf('\n', i + 2);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === 0x2f && text.charCodeAt(i + 1) === 0x2d) {
      const startLine = line;
      const startCol = columnAt(i);
      let depth = 1;
      i += 2;
      while (depth > 0) {
        // jump to the next `-` or `/`, counting the newlines passed on the way
        const dash = text.indexOf('-', i);
        const slash = text.indexOf('/', i);
        const next = dash < 0 ? slash : slash < 0 ? dash : Math.min(dash, slash);
        const stop = next < 0 ? n : next;
        for (let nl = text.indexOf('\n', i); nl >= 0 && nl < stop; nl = text.indexOf('\n', nl + 1)) newline(nl);
        if (next < 0) {
          i = n;
          break;
        }
        const d = text.charCodeAt(next);
        if (d === 0x2f && text.charCodeAt(next + 1) === 0x2d) {
          depth++;
          i = next + 2;
        } else if (d === 0x2d && text.charCodeAt(next + 1) === 0x2f) {
          depth--;
          i = next + 2;
        } else i = next + 1;
      }
      if (depth > 0 && unterminated === null) unterminated = { construct: 'block comment', line: startLine, column: startCol };
      continue;
    }

    const start = i;
    const tokLine = line;
    const col = columnAt(i);

    // closing brace of an interpolation returns to the enclosing string
    if (c === 0x7d && modes.length > 1) {
      const depth = braceDepths[braceDepths.length - 1] ?? 0;
      if (depth === 0) {
        leaveMode();
        i++;
        continue;
      }
      braceDepths[braceDepths.length - 1] = depth - 1;
      push('symbol', '}', start, i + 1, tokLine, col);
      i++;
      continue;
    }
    if (c === 0x7b && modes.length > 1) braceDepths[braceDepths.length - 1] = (braceDepths[braceDepths.length - 1] ?? 0) + 1;

    if (c === 0x22) {
      stringStart = i;
      const prev = tokens[tokens.length - 1];
      interpolating = prev !== undefined && prev.kind === 'ident' && INTERPOLATING.has(prev.value);
      push('string', '"', start, start + 1, tokLine, col);
      modes.push(interpolating ? MODE_STRING : MODE_PLAIN_STRING);
      inString = true;
      braceDepths.push(0);
      i++;
      continue;
    }

    // raw string r"…" / r#"…"#
    if (c === 0x72 && (text.charCodeAt(i + 1) === 0x22 || text.charCodeAt(i + 1) === 0x23)) {
      let hashes = 0;
      let k = i + 1;
      while (text.charCodeAt(k) === 0x23) {
        hashes++;
        k++;
      }
      if (text.charCodeAt(k) === 0x22) {
        k++;
        let closed = false;
        while (k < n) {
          const d = text.charCodeAt(k);
          if (d === 0x0a) newline(k);
          if (d === 0x22) {
            let h = 0;
            while (h < hashes && text.charCodeAt(k + 1 + h) === 0x23) h++;
            if (h === hashes) {
              k += 1 + hashes;
              closed = true;
              break;
            }
          }
          k++;
        }
        if (!closed && unterminated === null) unterminated = { construct: 'raw string literal', line: tokLine, column: col };
        push('string', text.slice(start, Math.min(k, n)), start, Math.min(k, n), tokLine, col);
        i = k;
        continue;
      }
    }

    const cp = c >= 0xd800 && c <= 0xdbff ? codePointAt(i) : c;
    if (isIdFirst(cp) || cp === OPEN_QUOTE) {
      const end = scanIdent(text, i);
      if (end > i) {
        push('ident', unquote(text, i, end), start, end, tokLine, col);
        i = end;
        continue;
      }
    }
    if (isDigit(c)) {
      const end = scanNumber(text, i);
      push('number', text.slice(start, end), start, end, tokLine, col);
      i = end;
      continue;
    }
    if (c === 0x23) {
      // hash command or notation: `#eval`, `#print`, `#s`
      const next = codePointAt(i + 1);
      if (i + 1 < n && isIdFirst(next)) {
        let k = i + 1;
        while (k < n) {
          const d = codePointAt(k);
          if (!isIdRest(d)) break;
          k += d > 0xffff ? 2 : 1;
        }
        push('hash', text.slice(start, k), start, k, tokLine, col);
        i = k;
        continue;
      }
    }
    if (c === 0x60) {
      // name literal `foo / ``foo — an identifier for lint purposes; `( is a syntax quotation
      let k = i + 1;
      if (text.charCodeAt(k) === 0x60) k++;
      const next = codePointAt(k);
      if (isIdFirst(next) || next === OPEN_QUOTE) {
        const end = scanIdent(text, k);
        if (end > k) {
          push('ident', unquote(text, k, end), start, end, tokLine, col);
          i = end;
          continue;
        }
      }
      if (text.charCodeAt(i + 1) === 0x28) {
        push('symbol', '`(', start, i + 2, tokLine, col);
        i += 2;
        continue;
      }
    }
    if (c === 0x27) {
      const end = scanCharLiteral(text, i);
      if (end > 0) {
        push('char', text.slice(start, end), start, end, tokLine, col);
        i = end;
        continue;
      }
    }
    // symbols: the few multi-character ones the gate and the extractor need, else one codepoint
    if (c === 0x3a && text.charCodeAt(i + 1) === 0x3d) {
      push('symbol', ':=', start, i + 2, tokLine, col);
      i += 2;
      continue;
    }
    if (c === 0x40 && text.charCodeAt(i + 1) === 0x5b) {
      push('symbol', '@[', start, i + 2, tokLine, col);
      i += 2;
      continue;
    }
    const width = cp > 0xffff ? 2 : 1;
    push('symbol', c < 0x80 ? (ASCII_STRINGS[c] as string) : text.slice(i, i + width), start, i + width, tokLine, col);
    i += width;
  }

  if (modes.length > 1 && unterminated === null) {
    const at = tokens.find((t) => t.start === stringStart);
    unterminated = { construct: 'string literal', line: at?.line ?? line, column: at?.column ?? 0 };
  }
  return { tokens, unterminated };
}
