import { declarationCommandStart } from '../../lean/assemble.ts';
import { tokenize, type Token } from '../../lean/lexer.ts';

/**
 * Splitting a whole Lean file (a Kimina snippet, a NuminaMath-style `formal_statement` that
 * starts with its imports) into the `header` + `formal_statement` the reward contract takes.
 *
 * - `which: 'first'` (a snippet: statement then proof) takes the FIRST named `theorem`/`lemma`:
 *   kimina-prover-rl builds its snippets as the dataset's statement followed by the model's proof.
 *   `which: 'last'` (a trusted statement, maybe after its own `def`s or lemmas) takes the LAST one,
 *   as assemble.ts does for the registry's statements.
 * - `header`: the leading `import`, `open` and `set_option` commands (not `… in` prefixes).
 * - `formal_statement`: from there to the declaration's own `:=` (depth 0, not a `let`/`have`
 *   inside the type), then ` := by sorry`, as the problem registry writes statements.
 *
 * Works on tokens (lexer.ts), so comments and strings never count. Returns null when the text
 * declares no named theorem with a `:=` (a proof by equations, an `example`).
 */
export interface SplitLeanFile {
  header: string;
  formal_statement: string;
  /** `declarationKey` of the declaration found (see below). */
  key: string;
}

const HEADER_COMMANDS = new Set(['import', 'open', 'set_option']);
const DECLARATION_KEYWORDS = new Set(['theorem', 'lemma']);
const LOCAL_BINDERS = new Set(['let', 'have', 'letI', 'haveI']);
const OPENERS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[', '⁅', '‹', '`(']);
const CLOSERS = new Set([')', ']', '}', '⟩', '⦄', '⟧', '⁆', '›']);

interface Declaration {
  /** Token index of the command start (modifiers, attributes) and of its `:=`. */
  commandStart: number;
  assign: number;
}

export function splitLeanFile(text: string, which: 'first' | 'last'): SplitLeanFile | null {
  const { tokens } = tokenize(text);
  const all = declarations(tokens);
  const declaration = which === 'first' ? all[0] : all[all.length - 1];
  if (declaration === undefined) return null;
  const headerEnd = headerEndOffset(tokens, declaration.commandStart);
  const statement = text.slice(headerEnd, (tokens[declaration.assign] as Token).start).trim();
  return {
    header: text.slice(0, headerEnd).trim(),
    formal_statement: `${statement} := by sorry`,
    key: keyOf(text, tokens, declaration),
  };
}

/**
 * A whitespace- and comment-insensitive key for a declaration's statement: its tokens from the
 * command start (attributes, modifiers, keyword, name, binders, type) up to its `:=`. Equal keys
 * mean the same theorem text; what precedes it (header, opens, defs) is not part of the key.
 */
export function declarationKeys(text: string): string[] {
  const { tokens } = tokenize(text);
  return declarations(tokens).map((d) => keyOf(text, tokens, d));
}

/** The key of a trusted registry statement (`… := by sorry`): its target is its LAST theorem (assemble.ts). */
export function statementKey(formalStatement: string): string | null {
  const { tokens } = tokenize(formalStatement);
  const all = declarations(tokens);
  const last = all[all.length - 1];
  return last === undefined ? null : keyOf(formalStatement, tokens, last);
}

function keyOf(text: string, tokens: readonly Token[], d: Declaration): string {
  const parts: string[] = [];
  for (let k = d.commandStart; k < d.assign; k++) parts.push(text.slice((tokens[k] as Token).start, (tokens[k] as Token).end));
  return parts.join(' ');
}

function declarations(tokens: readonly Token[]): Declaration[] {
  const found: Declaration[] = [];
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'ident' || !DECLARATION_KEYWORDS.has(t.value) || (tokens[k + 1] as Token).kind !== 'ident') continue;
    const assign = assignIndex(tokens, k + 2);
    if (assign === null) continue;
    found.push({ commandStart: declarationCommandStart(tokens, k), assign });
    k = assign;
  }
  return found;
}

/** The declaration's `:=`: depth 0, skipping one per `let`/`have` binder in the type. */
function assignIndex(tokens: readonly Token[], from: number): number | null {
  let depth = 0;
  let pendingBinders = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident') {
      if (depth === 0 && LOCAL_BINDERS.has(t.value)) pendingBinders++;
      else if (depth === 0 && DECLARATION_KEYWORDS.has(t.value)) return null; // the next declaration began: none here
      continue;
    }
    if (t.kind !== 'symbol') continue;
    if (OPENERS.has(t.value)) depth++;
    else if (CLOSERS.has(t.value)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.value === ':=') {
      if (pendingBinders === 0) return k;
      pendingBinders--;
    }
  }
  return null;
}

/**
 * Offset where the header ends: right after the last of the leading import/open/set_option
 * commands before token `end` (so comments after it, such as a doc comment, stay with the statement).
 */
function headerEndOffset(tokens: readonly Token[], end: number): number {
  let k = 0;
  let headerEnd = 0;
  while (k < end) {
    const first = tokens[k] as Token;
    let next = k + 1;
    while (next < end && !startsCommand(tokens, next)) next++;
    const last = tokens[next - 1] as Token;
    if (first.kind !== 'ident' || !HEADER_COMMANDS.has(first.value) || last.value === 'in') return headerEnd;
    headerEnd = last.end;
    k = next;
  }
  return headerEnd;
}

/** A command starts at a token at column 0, first on its line, not right after `in`. */
function startsCommand(tokens: readonly Token[], k: number): boolean {
  const t = tokens[k] as Token;
  const previous = tokens[k - 1] as Token;
  return t.column === 0 && previous.line !== t.line && previous.value !== 'in';
}
