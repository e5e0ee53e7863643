import { ProoflineError } from '../errors.ts';
import { STATEMENT_SORRY_SUFFIX } from '../schemas/problem.ts';
import { escapeLeanName, isRoundTrippableName, parseLeanName } from './lean-name.ts';
import { tokenize, type Token } from './lexer.ts';

/**
 * L0 assembly: the only way a candidate file is built. Trusted header and statement come from the
 * dataset; the model contributes the proof (and, when the policy allows, auxiliary declarations
 * placed before the statement). The model's own copy of the statement is never used.
 *
 *   text = header + "\n\n" + body
 *   body = (auxiliary ? auxiliary + "\n\n" : "")
 *          + statementPrefix, with the model's preamble lines inserted as `<line> in\n` prefixes
 *            right before the target's declaration (after the statement's own `def`s, if any)
 *          + (" := " + proof  |  "\n" + proof  for a proof by equations `| 0 => …`)
 *
 * The preamble (`set_option n v`, `open A B` lines the model put before its copy of the theorem,
 * see extract-proof.ts) therefore applies to the target's declaration command only and never
 * leaks into later commands (our `#print axioms`). It can change how the statement's text
 * resolves; L3 compares the elaborated statement with the reference, so a change of meaning is a
 * `statement_mismatch`.
 */
export interface AssembledCandidate {
  header: string;
  /** What the REPL receives as the per-candidate command. */
  body: string;
  /** The whole file: header + "\n\n" + body. */
  text: string;
  /**
   * Full name of the target (the last `theorem`/`lemma` of the trusted statement, inside the
   * namespaces the statement opens) in escaped Lean syntax, exactly as `Name.toString` prints it
   * and `#print axioms` echoes it: `«1st_thm»`, `Foo.bar`, `Foo.«b c»`. Write it into Lean source
   * as `rootedLeanName(target)` (lean-name.ts): `_root_.«1st_thm»`.
   */
  target: string;
  /** The trusted statement without its final `:= by sorry`, trimEnd'ed. */
  statementPrefix: string;
  /** Lines of `text` before the body: body line 1 is text line bodyLineOffset + 1. */
  bodyLineOffset: number;
  /**
   * The model placed declarations before the statement (lemmas, instances, attributes). Such code
   * can change the environment in ways that outlive the command, so runners must not let a process
   * that elaborated it serve later candidates. A preamble of `set_option … in` / `open … in`
   * prefixes is not auxiliary: it applies to the statement's command only.
   */
  hasAuxiliary: boolean;
}

export interface TrustedStatement {
  header: string;
  formal_statement: string;
}

/** What the model contributed, as extraction returns it (extract-proof.ts). */
export interface ModelContribution {
  auxiliary: string;
  proof: string;
  /** `set_option n v` / `open …` lines, one per line, without `in` ('' or absent: none). */
  preamble?: string;
  /** `term` (default): the proof follows ` := `; `equations`: the proof is `| pat => …` alternatives. */
  form?: 'term' | 'equations';
}

/** Declaration modifiers that may precede `theorem`/`lemma` (with attributes and a doc comment). */
export const DECLARATION_MODIFIERS = new Set(['private', 'protected', 'noncomputable', 'nonrec', 'partial', 'unsafe']);
const OPENERS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[', '⁅', '‹', '`(']);
const CLOSERS = new Set([')', ']', '}', '⟩', '⦄', '⟧', '⁆', '›']);

/**
 * The trusted statement's shape, as far as extraction and assembly need it. Computed from the
 * statement's tokens, so comments and strings never count.
 */
export interface StatementShape {
  /** Components of the name as written after `theorem`/`lemma` (`«1st_thm»` → ['1st_thm']). */
  declared: string[];
  /** Components of the full name: the namespaces opened before the theorem + `declared`. */
  fullName: string[];
  /** `escapeLeanName(fullName)`: see AssembledCandidate.target. */
  target: string;
  /** Offset where the target's declaration command starts (its doc comment, else its attributes or modifiers or keyword). */
  declarationStart: number;
  /** The statement's own preamble (what precedes the declaration command), as token texts per command. */
  preambleCommands: string[][];
  /** Depth-0 `|` tokens between the target's name and the final `:=` (a `match` in the type). */
  barsInType: number;
  /** Namespaces and sections the statement leaves open, innermost last ('' for an anonymous section). */
  openScopes: string[];
}

// Batches check many completions of one statement (GRPO groups): remember the last few shapes.
const recentShapes = new Map<string, StatementShape | string>();
const RECENT_SHAPES_MAX = 64;

/** Index of the first token of the declaration command whose keyword is token `declIndex` (modifiers, `@[…]`). */
export function declarationCommandStart(tokens: readonly Token[], declIndex: number): number {
  let k = declIndex - 1;
  while (k >= 0) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident' && DECLARATION_MODIFIERS.has(t.value)) k--;
    else if (t.kind === 'symbol' && t.value === ']') {
      const open = attributeStart(tokens, k);
      if (open < 0) break;
      k = open - 1;
    } else break;
  }
  return k + 1;
}

/** Index of the `@[` opening the attribute list whose `]` is token `close`, or -1. */
function attributeStart(tokens: readonly Token[], close: number): number {
  let depth = 0;
  for (let k = close; k >= 0; k--) {
    const v = (tokens[k] as Token).value;
    if (CLOSERS.has(v)) depth++;
    else if (OPENERS.has(v)) {
      depth--;
      if (depth === 0) return v === '@[' ? k : -1;
    }
  }
  return -1;
}

/**
 * Token texts of trusted text (the tokens at `indices`, in order) split into commands: a command
 * starts at a token at column 0, first on its line, unless what precedes it is a prefix of the
 * same command (a modifier, an attribute list, `open … in`).
 */
export function commandChunks(text: string, tokens: readonly Token[], indices: readonly number[]): string[][] {
  const chunks: string[][] = [];
  for (let n = 0; n < indices.length; n++) {
    const k = indices[n] as number;
    const t = tokens[k] as Token;
    const previous = n > 0 ? (tokens[indices[n - 1] as number] as Token) : undefined;
    const isContinuation =
      previous !== undefined &&
      (t.column !== 0 ||
        previous.line === t.line ||
        (previous.value === ']' && attributeStart(tokens, indices[n - 1] as number) >= 0) ||
        previous.value === 'in' ||
        DECLARATION_MODIFIERS.has(previous.value));
    if (!isContinuation) chunks.push([]);
    (chunks[chunks.length - 1] as string[]).push(text.slice(t.start, t.end));
  }
  return chunks;
}

/** Name components of an identifier token, from its raw text (the token's value drops «»). */
export function tokenNameComponents(text: string, token: Token): string[] | null {
  return parseLeanName(text.slice(token.start, token.end));
}

/**
 * The shape of a trusted statement, or a sentence saying why it has none (no theorem, a private
 * target, a name that cannot be written back into Lean).
 */
function scanStatement(formalStatement: string): StatementShape | string {
  const { tokens } = tokenize(formalStatement);
  let declIndex = -1;
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident' && (t.value === 'theorem' || t.value === 'lemma') && tokens[k + 1]?.kind === 'ident') declIndex = k;
  }
  if (declIndex < 0) return 'it declares no `theorem` or `lemma` with a name';
  const nameToken = tokens[declIndex + 1] as Token;
  const declared = tokenNameComponents(formalStatement, nameToken);
  if (declared === null) return `its theorem name \`${formalStatement.slice(nameToken.start, nameToken.end)}\` is not a Lean identifier`;
  const start = declarationCommandStart(tokens, declIndex);
  for (let k = start; k < declIndex; k++) {
    if ((tokens[k] as Token).value === 'private') {
      return 'its theorem is `private`: a private name cannot be queried by `#print axioms` or audited by name';
    }
  }
  const openScopes: string[] = [];
  const namespaces: string[][] = [];
  for (let k = 0; k < start; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'ident') continue;
    const next = tokens[k + 1];
    const nextName = next?.kind === 'ident' && next.line === t.line ? tokenNameComponents(formalStatement, next) : null;
    if (t.value === 'namespace' && nextName !== null) {
      openScopes.push(escapeLeanName(nextName));
      namespaces.push(nextName);
    } else if (t.value === 'section') {
      openScopes.push(nextName === null ? '' : escapeLeanName(nextName));
      namespaces.push([]);
    } else if (t.value === 'end') {
      openScopes.pop();
      namespaces.pop();
    }
  }
  const fullName = declared[0] === '_root_' ? declared.slice(1) : [...namespaces.flat(), ...declared];
  if (!isRoundTrippableName(fullName)) return `its theorem name \`${fullName.join('.')}\` cannot be written back into Lean source`;
  let barsInType = 0;
  let depth = 0;
  let lastAssign = -1;
  for (let k = tokens.length - 1; k > declIndex; k--) {
    if ((tokens[k] as Token).kind === 'symbol' && (tokens[k] as Token).value === ':=') {
      lastAssign = k;
      break;
    }
  }
  for (let k = declIndex + 2; k < lastAssign; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'symbol') continue;
    if (OPENERS.has(t.value)) depth++;
    else if (CLOSERS.has(t.value)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.value === '|') barsInType++;
  }
  // Right before the declaration's doc comment if it has one, else before its first token: never
  // before other comments, which may be commands (`/-! … -/`) that an `… in` prefix would bind to.
  const commandStart = (tokens[start] as Token).start;
  const gapStart = start > 0 ? (tokens[start - 1] as Token).end : 0;
  const gap = formalStatement.slice(gapStart, commandStart);
  const doc = gap.lastIndexOf('/--');
  const docEnd = doc < 0 ? -1 : gap.indexOf('-/', doc + 3);
  const declarationStart = docEnd >= 0 && gap.slice(docEnd + 2).trim() === '' ? gapStart + doc : commandStart;
  return {
    declared,
    fullName,
    target: escapeLeanName(fullName),
    declarationStart,
    preambleCommands: commandChunks(formalStatement, tokens, Array.from({ length: start }, (_, k) => k)),
    barsInType,
    openScopes,
  };
}

function cachedShape(formalStatement: string): StatementShape | string {
  const known = recentShapes.get(formalStatement);
  if (known !== undefined) return known;
  const shape = scanStatement(formalStatement);
  if (recentShapes.size >= RECENT_SHAPES_MAX) recentShapes.delete(recentShapes.keys().next().value as string);
  recentShapes.set(formalStatement, shape);
  return shape;
}

/** The shape of a trusted statement; throws INPUT_INVALID saying why when it has none. */
export function statementShape(formalStatement: string): StatementShape {
  const shape = cachedShape(formalStatement);
  if (typeof shape === 'string') {
    throw new ProoflineError('INPUT_INVALID', `Expected the trusted formal_statement to declare a \`theorem\` or \`lemma\` whose name Lean can print and parse back, but ${shape}: ${JSON.stringify(formalStatement.slice(0, 120))}`);
  }
  return shape;
}

/**
 * The escaped full name of the last `theorem`/`lemma` in a trusted statement (comments and
 * strings skipped; `namespace Foo … theorem bar` gives `Foo.bar`), or null when it has none.
 */
export function findStatementTarget(formalStatement: string): string | null {
  const shape = cachedShape(formalStatement);
  return typeof shape === 'string' ? null : shape.target;
}

export function statementTarget(formalStatement: string): string {
  return statementShape(formalStatement).target;
}

export function statementPrefix(formalStatement: string): string {
  const match = STATEMENT_SORRY_SUFFIX.exec(formalStatement);
  if (match === null) {
    throw new ProoflineError(
      'INPUT_INVALID',
      `Expected the trusted formal_statement to end in \`:= by sorry\`, got ending ${JSON.stringify(formalStatement.slice(-40))}`,
    );
  }
  return formalStatement.slice(0, match.index).trimEnd();
}

function countNewlines(s: string): number {
  let count = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) count++;
  return count;
}

export function assembleCandidate(problem: TrustedStatement, extracted: ModelContribution): AssembledCandidate {
  const shape = statementShape(problem.formal_statement);
  const prefix = statementPrefix(problem.formal_statement);
  const auxiliary = extracted.auxiliary.trim();
  const preambleLines = (extracted.preamble ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const at = Math.min(shape.declarationStart, prefix.length);
  const statement = preambleLines.length === 0 ? prefix : prefix.slice(0, at) + preambleLines.map((l) => `${l} in\n`).join('') + prefix.slice(at);
  const proof = extracted.form === 'equations' ? `\n${extracted.proof.trimEnd()}` : ` := ${extracted.proof.trimStart()}`;
  const body = (auxiliary !== '' ? `${auxiliary}\n\n` : '') + statement + proof;
  return {
    header: problem.header,
    body,
    text: `${problem.header}\n\n${body}`,
    target: shape.target,
    statementPrefix: prefix,
    bodyLineOffset: countNewlines(problem.header) + 2,
    hasAuxiliary: auxiliary !== '',
  };
}

/** The reference file for L3: the trusted header and statement as given, with its `sorry`. */
export function referenceText(problem: TrustedStatement): string {
  return `${problem.header}\n\n${problem.formal_statement}`;
}
