/**
 * A Lean 4 tokenizer for the lexical gate (L1) and for extraction: fast (charCodeAt loops, no
 * regexes on the hot path) and faithful to Lean's own lexer where it matters for soundness.
 *
 * - Comments (`--`, nested `/- … -/`, doc comments `/--` and `/-!`) produce no tokens, so
 *   `-- sorry` is never a false reject.
 * - A string literal is one `string` token spanning the whole literal, quotes included, so
 *   `text.slice(start, end)` of the last token before a declaration never cuts a string open.
 *   Interpolated strings (see INTERPOLATING) are split like Lean's own `interpolatedStr` node:
 *   string chunks `"a{`, `}b{`, `}c"` around the `{…}` parts, which are lexed as code since Lean
 *   elaborates them (`s!"{sorry}"`). Tokens stay in text order and never overlap. In other
 *   strings `{` is an ordinary character. Raw strings (`r"…"`, `r#"…"#`) have no escapes and no
 *   interpolation.
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

const MODE_CODE = 0; // code inside an interpolation's `{…}`
const MODE_STRING = 1; // the text of an interpolated string
/**
 * Syntax that reads the string right after it as an interpolated string
 * (`interpolatedStr(term)` in Lean's parser): `s!`, `m!`, `f!`, `println!`, `dbg_trace`,
 * `throwError`. Lean decides this in the parser, per syntax; getting it wrong in either direction
 * lets quotes inside braces desync string boundaries, so plain strings are never interpolated
 * (`logInfo "{x}"` is a plain `String`: `logInfo` is a function).
 */
const INTERPOLATING = new Set(['s!', 'm!', 'f!', 'println!', 'dbg_trace', 'throwError']);
/**
 * Syntax whose message comes after arguments (Lean/Exception.lean, Lean/Log.lean,
 * Lean/Util/Trace.lean): `throwErrorAt ref msg`, `throwNamedError name msg`,
 * `throwNamedErrorAt ref name msg`, `logNamedError(At)`, `logNamedWarning(At)`; the value is the
 * number of arguments before the message. `trace[cls] msg` and Aesop's `aesop_trace[cls] msg`
 * are recognised at their `]`. An argument is approximated lexically as one token or one
 * bracketed group (Lean: `term:max` or `ident`); lint.ts rejects all of these heads anyway
 * (only metaprograms use them), so the approximation only has to keep the text before them exact.
 */
const INTERPOLATING_AFTER_ARGS: ReadonlyMap<string, number> = new Map([
  ['throwErrorAt', 1],
  ['throwNamedError', 1],
  ['logNamedError', 1],
  ['logNamedWarning', 1],
  ['throwNamedErrorAt', 2],
  ['logNamedErrorAt', 2],
  ['logNamedWarningAt', 2],
]);
/** `trace[` and `aesop_trace[` (one token in Lean: no space before the bracket). */
const TRACE_HEADS = new Set(['trace', 'aesop_trace', 'aesop_trace!']);
const BRACKET_OPEN = new Set(['(', '[', '{', '⟨', '@[', '`(']);
const BRACKET_CLOSE = new Set([')', ']', '}', '⟩']);

/**
 * Does the string literal about to start after `tokens` interpolate? Looks back over the last
 * few tokens for one of the heads above, skipping its arguments (single tokens or balanced groups).
 */
function opensInterpolation(tokens: readonly Token[]): boolean {
  const prev = tokens[tokens.length - 1];
  if (prev === undefined) return false;
  if (prev.kind === 'ident' && INTERPOLATING.has(prev.value)) return true;
  // trace[cls] "…": `]`, ident, `[` glued to `trace`
  if (prev.kind === 'symbol' && prev.value === ']') {
    const cls = tokens[tokens.length - 2];
    const open = tokens[tokens.length - 3];
    const head = tokens[tokens.length - 4];
    if (cls?.kind === 'ident' && open?.value === '[' && head?.kind === 'ident' && TRACE_HEADS.has(head.value) && head.end === open.start) return true;
  }
  // head arg… "…": walk back over up to 2 arguments
  let k = tokens.length - 1;
  for (let args = 1; args <= 2 && k >= 0; args++) {
    k = argumentStart(tokens, k);
    if (k <= 0) return false;
    const head = tokens[k - 1] as Token;
    if (head.kind === 'ident' && INTERPOLATING_AFTER_ARGS.get(head.value) === args) return true;
    k -= 1;
  }
  return false;
}

/** Index of the first token of the argument that ends at token `k` (a balanced group or one token), or -1. */
function argumentStart(tokens: readonly Token[], k: number): number {
  const last = tokens[k] as Token;
  if (last.kind !== 'symbol' || !BRACKET_CLOSE.has(last.value)) return last.kind === 'symbol' ? -1 : k;
  let depth = 0;
  for (let j = k; j >= 0 && k - j < 256; j--) {
    const t = tokens[j] as Token;
    if (t.kind !== 'symbol') continue;
    if (BRACKET_CLOSE.has(t.value)) depth++;
    else if (BRACKET_OPEN.has(t.value) && --depth === 0) return j;
  }
  return -1;
}

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
  // Mode stack for interpolated strings: a string inside an interpolation inside a string… Plain
  // strings are scanned in one go and never enter it. For each `code` entry (an interpolation)
  // we count braces to find its closing `}`.
  const modes: number[] = [MODE_CODE];
  let inString = false; // modes[modes.length - 1] === MODE_STRING, kept in a local for speed
  const braceDepths: number[] = [0];
  // The open string chunk of an interpolated string: from its `"` or `}` to the next `{` or `"`.
  let chunkStart = 0;
  let chunkLine = 1;
  let chunkColumn = 0;
  // Where each interpolated string still open was opened (for the `unterminated` note).
  const openStrings: Array<{ line: number; column: number }> = [];
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
    inString = modes[modes.length - 1] === MODE_STRING;
    braceDepths.pop();
  };

  while (i < limit && tokens.length < maxTokens) {
    if (inString) {
      // Inside an interpolated string: scan the chunk to its `{` or closing quote (past `limit`:
      // a token is always whole).
      let k = i;
      for (; k < n; k++) {
        const d = text.charCodeAt(k);
        if (d === 0x22 || d === 0x7b) break;
        if (d === 0x0a) newline(k);
        else if (d === 0x5c) {
          // escape: skip the next code unit (a newline escape continues the string)
          if (text.charCodeAt(k + 1) === 0x0a) newline(k + 1);
          k++;
        }
      }
      const end = Math.min(k + 1, n);
      push('string', text.slice(chunkStart, end), chunkStart, end, chunkLine, chunkColumn);
      i = end;
      if (k >= n) break; // unterminated: reported after the loop
      if (text.charCodeAt(k) === 0x22) {
        openStrings.pop();
        leaveMode();
      } else {
        modes.push(MODE_CODE);
        inString = false;
        braceDepths.push(0);
      }
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
        chunkStart = i;
        chunkLine = tokLine;
        chunkColumn = col;
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
      if (opensInterpolation(tokens)) {
        modes.push(MODE_STRING);
        inString = true;
        braceDepths.push(0);
        openStrings.push({ line: tokLine, column: col });
        chunkStart = i;
        chunkLine = tokLine;
        chunkColumn = col;
        i++;
        continue;
      }
      // a plain string: one token up to and including the closing quote
      let k = i + 1;
      for (; k < n; k++) {
        const d = text.charCodeAt(k);
        if (d === 0x22) break;
        if (d === 0x0a) newline(k);
        else if (d === 0x5c) {
          if (text.charCodeAt(k + 1) === 0x0a) newline(k + 1);
          k++;
        }
      }
      const end = Math.min(k + 1, n);
      if (k >= n && unterminated === null) unterminated = { construct: 'string literal', line: tokLine, column: col };
      push('string', text.slice(start, end), start, end, tokLine, col);
      i = end;
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

  const outermost = openStrings[0];
  if (outermost !== undefined && i >= n && unterminated === null) unterminated = { construct: 'string literal', ...outermost };
  return { tokens, unterminated };
}
