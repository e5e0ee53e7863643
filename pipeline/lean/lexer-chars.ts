/**
 * Lean 4 character classes and literal scanners, as in Lean's own tokenizer
 * (`isLetterLike`, `isSubScriptAlnum`, `isIdFirst`, `isIdRest`, `identFn`, `numberFn`,
 * `charLitFnAux`). Used by lexer.ts; ASCII goes through lookup tables for speed.
 */

export const OPEN_QUOTE = 0xab; // «

export function isLetterLike(c: number): boolean {
  return (
    (c >= 0x3b1 && c <= 0x3c9 && c !== 0x3bb) ||
    (c >= 0x391 && c <= 0x3a9 && c !== 0x3a0 && c !== 0x3a3) ||
    (c >= 0x3ca && c <= 0x3fb) ||
    (c >= 0x1f00 && c <= 0x1ffe) ||
    (c >= 0x2100 && c <= 0x214f) ||
    (c >= 0x1d49c && c <= 0x1d59f)
  );
}

function isSubscriptAlnum(c: number): boolean {
  return (c >= 0x2080 && c <= 0x2089) || (c >= 0x2090 && c <= 0x209c) || (c >= 0x1d62 && c <= 0x1d6a);
}

export function isAsciiAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export const ASCII_STRINGS = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
const ASCII_ID_FIRST = new Uint8Array(128);
const ASCII_ID_REST = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_ID_FIRST[c] = isAsciiAlpha(c) || c === 0x5f ? 1 : 0;
  ASCII_ID_REST[c] = isAsciiAlpha(c) || isDigit(c) || c === 0x5f || c === 0x27 || c === 0x21 || c === 0x3f ? 1 : 0;
}

export function isIdFirst(c: number): boolean {
  return c < 0x80 ? ASCII_ID_FIRST[c] === 1 : isLetterLike(c);
}

export function isIdRest(c: number): boolean {
  return c < 0x80 ? ASCII_ID_REST[c] === 1 : isLetterLike(c) || isSubscriptAlnum(c);
}

/** End offset of the (possibly dotted, possibly «quoted») identifier starting at `i`, or `i` if none. */
export function scanIdent(text: string, i: number): number {
  const n = text.length;
  let k = i;
  for (;;) {
    const c = text.codePointAt(k) ?? 0;
    if (c === OPEN_QUOTE) {
      const close = text.indexOf('»', k + 1);
      if (close < 0) return k === i ? i : trimDot(text, i, k);
      k = close + 1;
    } else if (isIdFirst(c)) {
      k += c > 0xffff ? 2 : 1;
      while (k < n) {
        const d = text.charCodeAt(k);
        if (d < 0x80) {
          if (ASCII_ID_REST[d] !== 1) break;
          k++;
          continue;
        }
        const cp = d >= 0xd800 && d <= 0xdbff ? (text.codePointAt(k) ?? d) : d;
        if (!isIdRest(cp)) break;
        k += cp > 0xffff ? 2 : 1;
      }
    } else {
      return k === i ? i : trimDot(text, i, k);
    }
    // continue through `.` when a component follows
    if (text.charCodeAt(k) === 0x2e) {
      const next = text.codePointAt(k + 1) ?? 0;
      if (isIdFirst(next) || next === OPEN_QUOTE) {
        k++;
        continue;
      }
    }
    return k;
  }
}

function trimDot(text: string, i: number, k: number): number {
  return k > i && text.charCodeAt(k - 1) === 0x2e ? k - 1 : k;
}

export function unquote(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  return raw.indexOf('«') < 0 ? raw : raw.replace(/[«»]/gu, '');
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * End offset of the numeric literal at `i`. Only digits of the literal's base are consumed, so
 * `2sorry` is `2` followed by `sorry`, as in Lean.
 */
export function scanNumber(text: string, i: number): number {
  const n = text.length;
  let k = i + 1;
  const base = text.charCodeAt(i) === 0x30 ? text.charCodeAt(k) | 0x20 : 0;
  const digitOf = base === 0x78 ? isHexDigit : base === 0x62 || base === 0x6f ? isDigit : null;
  if (digitOf !== null) {
    k++;
    while (k < n && (digitOf(text.charCodeAt(k)) || (text.charCodeAt(k) === 0x5f && digitOf(text.charCodeAt(k + 1))))) k++;
    return k;
  }
  const digits = (): void => {
    while (k < n && (isDigit(text.charCodeAt(k)) || (text.charCodeAt(k) === 0x5f && isDigit(text.charCodeAt(k + 1))))) k++;
  };
  digits();
  if (text.charCodeAt(k) === 0x2e && isDigit(text.charCodeAt(k + 1))) {
    k++;
    digits();
  }
  const e = text.charCodeAt(k) | 0x20;
  if (e === 0x65) {
    const sign = text.charCodeAt(k + 1) === 0x2b || text.charCodeAt(k + 1) === 0x2d ? 1 : 0;
    if (isDigit(text.charCodeAt(k + 1 + sign))) {
      k += 1 + sign;
      digits();
    }
  }
  return k;
}

/** End offset of a char literal starting at the quote at `i`, or 0 when it is not one. */
export function scanCharLiteral(text: string, i: number): number {
  let k = i + 1;
  const c = text.charCodeAt(k);
  if (Number.isNaN(c) || c === 0x0a || c === 0x27) return 0;
  if (c === 0x5c) {
    const e = text.charCodeAt(k + 1);
    if (e === 0x78) k += 4; // \xHH
    else if (e === 0x75) {
      // \uHHHH or \u{…}
      if (text.charCodeAt(k + 2) === 0x7b) {
        const close = text.indexOf('}', k + 3);
        if (close < 0 || close - k > 12) return 0;
        k = close + 1;
      } else k += 6;
    } else k += 2;
  } else {
    k += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return text.charCodeAt(k) === 0x27 ? k + 1 : 0;
}
