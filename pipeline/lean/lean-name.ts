/**
 * Lean names as text, following Lean 4's `Name.escapePart` and `Name.toString`
 * (src/Init/Data/ToString/Name.lean at v4.33; character classes from `isIdFirst`/`isIdRest`).
 *
 * A name is a list of string components (`Foo.«b c»` is `['Foo', 'b c']`). Its ESCAPED text is
 * what `Name.toString` prints with `escape := true` and no token table, which is also what
 * `#print axioms` echoes (`m!"'{constName}' …"` formats the name with `Name.toString`):
 * - a component that is a valid identifier (`isIdFirst` then `isIdRest`*) is written as is;
 * - any other component (`1st_thm`, `b c`, ``) is written `«…»`;
 * - a component containing `»` cannot be escaped and is written as is (not round-trippable);
 * - nothing is escaped when the name is "inaccessible" (last component contains `✝` or is
 *   `_inaccessible`), has macro scopes (last component `_hyg`), is `_`, or its root component
 *   starts with `#` or `?` (pseudo-syntax of the delaborator).
 *
 * `Name.toString` does not escape keywords (its `isToken` is `fun _ => false`): a theorem named
 * `«end»` prints as `end`. Written alone into source that would be the keyword, so code that
 * writes a target into Lean should write {@link rootedLeanName} (`_root_.end` is one identifier
 * token, and `_root_.` also makes resolution independent of open namespaces).
 */

import { OPEN_QUOTE, isIdFirst, isIdRest } from './lexer-chars.ts';

const CLOSE_QUOTE = '»';

function isPlainIdentifier(part: string): boolean {
  const first = part.codePointAt(0);
  if (first === undefined || !isIdFirst(first)) return false;
  for (const char of part.slice(first > 0xffff ? 2 : 1)) {
    if (!isIdRest(char.codePointAt(0) as number)) return false;
  }
  return true;
}

/** Lean's `Name.escapePart`: the component as written in source, or null when it contains `»`. */
export function escapeNamePart(part: string, force = false): string | null {
  if (!force && isPlainIdentifier(part)) return part;
  if (part.includes(CLOSE_QUOTE)) return null;
  return `«${part}»`;
}

function isUnescapedName(components: readonly string[]): boolean {
  const last = components[components.length - 1] ?? '';
  const root = components[0] ?? '';
  return (
    last.includes('✝') ||
    last === '_inaccessible' ||
    last === '_hyg' ||
    (components.length === 1 && root === '_') ||
    root.startsWith('#') ||
    root.startsWith('?')
  );
}

/** Lean's `Name.toString` (escape := true) for a name with string components only. `[]` is `[anonymous]`. */
export function escapeLeanName(components: readonly string[]): string {
  if (components.length === 0) return '[anonymous]';
  if (isUnescapedName(components)) return components.join('.');
  return components.map((part) => escapeNamePart(part) ?? part).join('.');
}

/**
 * The components of an identifier as written in Lean source (`Foo.«b c».bar'`), or null when
 * `text` is not exactly one identifier (empty component, stray character, unclosed `«`).
 * Like Lean's identifier reader, `«…»` may hold any character but `»`, and a dot separates
 * components only outside «».
 */
export function parseLeanName(text: string): string[] | null {
  const components: string[] = [];
  let k = 0;
  for (;;) {
    const c = text.codePointAt(k);
    if (c === undefined) return null;
    if (c === OPEN_QUOTE) {
      const close = text.indexOf(CLOSE_QUOTE, k + 1);
      if (close < 0) return null;
      components.push(text.slice(k + 1, close));
      k = close + 1;
    } else if (isIdFirst(c)) {
      const start = k;
      k += c > 0xffff ? 2 : 1;
      for (let d = text.codePointAt(k); d !== undefined && isIdRest(d); d = text.codePointAt(k)) k += d > 0xffff ? 2 : 1;
      components.push(text.slice(start, k));
    } else return null;
    if (k === text.length) return components;
    if (text.charCodeAt(k) !== 0x2e) return null;
    k++;
  }
}

/** True when `escapeLeanName` of the components reads back as the same components. */
export function isRoundTrippableName(components: readonly string[]): boolean {
  if (components.length === 0) return false;
  const back = parseLeanName(escapeLeanName(components));
  return back !== null && back.length === components.length && back.every((part, k) => part === components[k]);
}

/**
 * How to write an escaped name (as `escapeLeanName` prints it) into Lean source so that it always
 * parses as one identifier and resolves to exactly that constant, whatever namespaces are open
 * or whether its text is a keyword: `_root_.<name>`.
 */
export function rootedLeanName(escapedName: string): string {
  return `_root_.${escapedName}`;
}
