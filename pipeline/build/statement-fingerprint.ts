import { createHash } from 'node:crypto';
import { STATEMENT_SORRY_SUFFIX } from '../schemas/problem.ts';

/**
 * The identity of a statement across sources, ids and formatting: what splits are assigned by, what
 * decontamination matches on, and `hashes.statement` in every canonical record. Bump the version
 * when the rules change (the eval-set fingerprints in datasets/eval-sets/ must then be rebuilt).
 *
 * statement-v1, applied to the trusted `formal_statement` only (the header is left out, so two
 * problems that differ only in imports or `open`s count as the same statement — the conservative
 * side for both decontamination and splits):
 *  1. comments removed (`-- …` to end of line, nested `/- … -/` incl. doc comments), string
 *     literals kept verbatim;
 *  2. the final `:= by sorry` removed;
 *  3. the target's name (after the last `theorem`/`lemma`) replaced by `_`, and `lemma` → `theorem`:
 *     the same statement under another name (another source, an id prefix) is the same problem;
 *  4. the Mathlib notations `ℕ ℤ ℚ ℝ ℂ` spelled `Nat Int Rat Real Complex` (they are exact aliases;
 *     core-Lean copies of miniF2F write `Nat`);
 *  5. whitespace runs → one space, then a space is dropped unless it separates two identifier-like
 *     characters (`(x y: Int)` = `(x y : Int)`); trimmed.
 * The result is a fingerprint, not Lean code. Rules 3–5 can only merge statements, never split one:
 * a false match holds a problem out (or keeps two problems in one split), never leaks one.
 */
export const STATEMENT_NORMALIZATION = 'statement-v1';

const ALIASES: Record<string, string> = { 'ℕ': 'Nat', 'ℤ': 'Int', 'ℚ': 'Rat', 'ℝ': 'Real', 'ℂ': 'Complex' };
const WORD_CHAR = /[\p{L}\p{N}_'!?.«»]/u;

export function normalizeStatement(formalStatement: string): string {
  let text = stripComments(formalStatement).replace(STATEMENT_SORRY_SUFFIX, '');
  text = renameTarget(text).replace(/[ℕℤℚℝℂ]/gu, (c) => ALIASES[c]!);
  const collapsed = text.replace(/\s+/gu, ' ').trim();
  let out = '';
  for (let i = 0; i < collapsed.length; i++) {
    const c = collapsed[i]!;
    if (c === ' ' && !(WORD_CHAR.test(out.at(-1) ?? '') && WORD_CHAR.test(collapsed[i + 1] ?? ''))) continue;
    out += c;
  }
  return out;
}

/** Hex sha256 of the normalised statement: `hashes.statement`, the split key, the eval fingerprint. */
export function statementHash(formalStatement: string): string {
  return sha256Hex(normalizeStatement(formalStatement));
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function renameTarget(text: string): string {
  const declarations = [...text.matchAll(/(^|[^\p{L}\p{N}_'.])(theorem|lemma)(\s+)([^\s(:[{⦃]+)/gu)];
  const last = declarations.at(-1);
  if (last === undefined) return text;
  const start = last.index + last[1]!.length;
  return `${text.slice(0, start)}theorem${last[3]}_${text.slice(start + last[0].length - last[1]!.length)}`;
}

/** Removes `--` and nested `/- -/` comments outside string literals. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '-') {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '-') (depth++, (i += 2));
        else if (text[i] === '-' && text[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
