import { commandChunks, declarationCommandStart, statementShape, tokenNameComponents, type StatementShape } from '../lean/assemble.ts';
import { escapeLeanName } from '../lean/lean-name.ts';
import { tokenize, type Token } from '../lean/lexer.ts';
import { splitCompletion, type FenceKind } from './extract-reasoning.ts';

/**
 * What the model contributed to a candidate, extracted from its completion (L0).
 *
 * - `proof`: the proof of the trusted statement. `form: 'term'`: a term or `by` block, assembled
 *   after ` := `; `form: 'equations'`: pattern-matching alternatives (`  | 0 => …\n  | n+1 => …`),
 *   assembled on the lines after the statement.
 * - `auxiliary`: declarations to place before the trusted statement (only policies that allow
 *   auxiliary code accept a non-empty one).
 * - `preamble`: `set_option <name> <value>` and `open …` lines the model wrote at the top level
 *   right before its copy of the theorem, one per line, normalised, without `in`. Assembly applies
 *   them to the trusted statement's command only (`set_option … in` / `open … in` prefixes); they
 *   are never auxiliary code. L1 lints them (only `open` and allowlisted options within caps).
 * - `source`: `statement_repeated` (the code declares the target theorem; the proof is what follows
 *   its statement) or `body_only` (the code is the proof body). `fence`: which part of the
 *   completion was the code (see extract-reasoning.ts).
 *
 * What the model may RESTATE before its copy of the theorem, and what happens to it:
 * - `import` lines at the start: dropped. A model's import that the trusted header lacks is not
 *   honoured: the header decides what the file imports.
 * - a copy of the trusted header's own declarations, and a copy of the trusted statement's own
 *   preamble (the `def`/`abbrev`/`namespace`/`open … in` text before its theorem, as in
 *   PutnamBench), token for token, comments and layout aside: dropped (they are ours, and a second
 *   copy would only clash). A modified copy stays auxiliary code.
 * - `set_option`/`open` lines equal to a line of the trusted header (comments and whitespace
 *   aside), and `open A B` lines whose namespaces the header already opens in any order: dropped.
 * - other `open A B`, `open scoped A B` and `set_option <name> <value>` lines (optionally ending in
 *   `in`) at the top level (not indented more than the theorem) with no auxiliary declaration after
 *   them: the preamble. The same lines before an auxiliary declaration stay in the auxiliary text,
 *   which they may affect.
 *
 * After a proof, `end X` lines that close namespaces or sections the trusted statement opened
 * (`namespace Foo … theorem bar`) are dropped: our statement leaves them open.
 */
export type ExtractedProof =
  | {
      ok: true;
      auxiliary: string;
      preamble: string;
      proof: string;
      form: 'term' | 'equations';
      reasoning: string | null;
      source: 'statement_repeated' | 'body_only';
      fence: FenceKind;
    }
  | { ok: false; reason: 'no_proof'; detail: string; reasoning: string | null };

const DECLARATION_KEYWORDS = new Set(['theorem', 'lemma']);
/** A code block starting with one of these is a Lean file or declaration, not a tactic body. */
const FILE_START_KEYWORDS = new Set([
  'import', 'theorem', 'lemma', 'def', 'example', 'abbrev', 'instance', 'structure', 'inductive', 'class',
  'namespace', 'section', 'universe', 'variable', 'noncomputable', 'private', 'protected', 'axiom', 'prelude', 'module',
]);
/** Binders whose own `:=` can occur at depth 0 inside a statement's type (`let x := 3; x = 3`). */
const LOCAL_BINDERS = new Set(['let', 'have', 'letI', 'haveI']);
const OPENERS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[', '⁅', '‹', '`(']);
const CLOSERS = new Set([')', ']', '}', '⟩', '⦄', '⟧', '⁆', '›']);

function noProof(detail: string, reasoning: string | null): ExtractedProof {
  return { ok: false, reason: 'no_proof', detail, reasoning };
}

/**
 * Extract the model's proof for the trusted statement. `header` (the trusted header) is used only
 * to recognise the model's copies of its lines and declarations.
 * Never throws on model output; throws INPUT_INVALID when the trusted statement has no usable
 * theorem name (see assemble.ts `statementShape`).
 */
export function extractProof(completion: string, formalStatement: string, header = ''): ExtractedProof {
  const shape = statementShape(formalStatement);
  const split = splitCompletion(completion);
  if (split.code === null) return noProof(split.detail, split.reasoning);
  const { code, fence, reasoning } = split;
  if (code.trim() === '') return noProof(`the Lean code (${describeFence(fence)}) is empty`, reasoning);
  const all = tokenizeForDeclaration(code, shape);
  // A completion can continue a doc comment its prompt opened: a leading `-/` closes that comment.
  let tokens = all[0]?.value === '-' && all[1]?.value === '/' && all[1].start === all[0].end ? all.slice(2) : all;
  if (tokens.length === 0) return noProof(`the Lean code (${describeFence(fence)}) contains only comments`, reasoning);

  const declIndex = findDeclaration(code, tokens, shape);
  if (declIndex >= 0) {
    const decl = tokens[declIndex] as Token;
    const nameToken = tokens[declIndex + 1] as Token;
    const shown = `${decl.value} ${code.slice(nameToken.start, nameToken.end)}`;
    const start = findProofStart(tokens, declIndex + 2, shape);
    if (start === null) {
      return noProof(`the code declares \`${shown}\` (line ${decl.line}) but has no \`:=\` (or \`| …\` equations) after its statement`, reasoning);
    }
    const proof = closeScopes(start.form === 'term' ? code.slice(start.token.end).trim() : equationsText(code, start.token), shape);
    if (proof === '') return noProof(`nothing follows \`:=\` in the code's \`${shown}\``, reasoning);
    const { auxiliary, preamble } = modelPrefix(code, tokens, declIndex, header, shape);
    return { ok: true, auxiliary, preamble, proof, form: start.form, reasoning, source: 'statement_repeated', fence };
  }

  const first = tokens[0] as Token;
  if (FILE_START_KEYWORDS.has(first.value) && first.kind === 'ident') {
    tokens = tokenize(code).tokens; // rare path: the message names what the file declares
    const other = tokens.find((t, k) => t.kind === 'ident' && DECLARATION_KEYWORDS.has(t.value) && tokens[k + 1]?.kind === 'ident');
    const declared = other === undefined ? 'no theorem' : `\`${other.value} ${tokens[tokens.indexOf(other) + 1]?.value ?? ''}\``;
    return noProof(
      `the code starts with \`${first.value}\` like a Lean file but declares ${declared}, not the target \`${shape.target}\` (renamed theorems are not matched)`,
      reasoning,
    );
  }
  if (first.kind === 'symbol' && first.value === '|') {
    return { ok: true, auxiliary: '', preamble: '', proof: equationsText(code, first), form: 'equations', reasoning, source: 'body_only', fence };
  }
  if (fence === 'none') {
    const sentence = proseLine(code, first, formalStatement);
    if (sentence !== null) {
      return noProof(`the completion has no code fence and reads as English prose, not Lean (${JSON.stringify(sentence.slice(0, 60))})`, reasoning);
    }
  }
  return { ok: true, auxiliary: '', preamble: '', proof: bodyAsProof(code, first), form: 'term', reasoning, source: 'body_only', fence };
}

/** Characters after the first mention of the target within which its `:=` is looked for first (×4 per retry). */
const DECLARATION_WINDOW = 512;

/**
 * Tokens enough to find the target's declaration and its `:=`: none of the text is lexed twice
 * (the proof is lexed by L1). Without the target's last name component in the text there is no
 * declaration, and a body only needs its first tokens. Otherwise lex up to a window past the
 * first mention, growing it until it holds the declaration's `:=` (or is the whole text).
 */
function tokenizeForDeclaration(code: string, shape: StatementShape): Token[] {
  const mention = code.indexOf(shape.declared[shape.declared.length - 1] as string);
  if (mention < 0) return tokenize(code, { maxTokens: 3 }).tokens;
  for (let size = DECLARATION_WINDOW; mention + size < code.length; size *= 4) {
    const window = tokenize(code, { untilOffset: mention + size }).tokens;
    const declIndex = findDeclaration(code, window, shape);
    if (declIndex >= 0 && findProofStart(window, declIndex + 2, shape) !== null) return window;
  }
  return tokenize(code).tokens;
}

function describeFence(fence: FenceKind): string {
  switch (fence) {
    case 'lean_block': return 'last lean4/lean block';
    case 'before_closing_fence': return 'text before the closing fence';
    case 'unterminated_block': return 'unterminated code block';
    case 'unlabelled_block': return 'last unlabelled code block';
    case 'none': return 'whole completion';
  }
}

function sameComponents(a: readonly string[] | null, b: readonly string[]): boolean {
  return a !== null && a.length === b.length && a.every((part, k) => part === b[k]);
}

/**
 * The model's `theorem`/`lemma` declaring the target: by the name as the trusted statement writes
 * it, or by its full name (`theorem Foo.bar` for `namespace Foo … theorem bar`). «» quoting is
 * compared by components, so `«foo»` and `foo` are the same name.
 */
function findDeclaration(code: string, tokens: Token[], shape: StatementShape): number {
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'ident' || !DECLARATION_KEYWORDS.has(t.value)) continue;
    const name = tokens[k + 1] as Token;
    if (name.kind !== 'ident') continue;
    const components = tokenNameComponents(code, name);
    const rooted = components?.[0] === '_root_' ? components.slice(1) : null;
    if (sameComponents(components, shape.declared) || sameComponents(components, shape.fullName) || sameComponents(rooted, shape.fullName)) return k;
  }
  return -1;
}

function isArrow(tokens: Token[], k: number): boolean {
  const t = tokens[k] as Token;
  const next = tokens[k + 1];
  return t.value === '=' && next !== undefined && next.value === '>' && next.start === t.end;
}

/**
 * Where the proof starts in the model's copy of the statement, from token `from` (after the name):
 * - the first `:=` at bracket depth 0 that is not the `:=` of a `let`/`have` inside the type;
 * - or, before it, a depth-0 `|` that starts `| pat => …` alternatives (a proof by equations).
 *   As many depth-0 `|` as the trusted type has (`|x|`, `match`) are skipped first.
 */
function findProofStart(tokens: Token[], from: number, shape: StatementShape): { form: 'term' | 'equations'; token: Token } | null {
  let depth = 0;
  let pendingBinders = 0;
  let bars = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident') {
      if (depth === 0 && LOCAL_BINDERS.has(t.value)) pendingBinders++;
      continue;
    }
    if (t.kind !== 'symbol') continue;
    if (OPENERS.has(t.value)) depth++;
    else if (CLOSERS.has(t.value)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.value === ':=') {
      if (pendingBinders === 0) return { form: 'term', token: t };
      pendingBinders--;
    } else if (depth === 0 && t.value === '|') {
      if (bars === shape.barsInType && startsAlternative(tokens, k)) return { form: 'equations', token: t };
      bars++;
    }
  }
  return null;
}

/** True when the `|` at `bar` is followed by `=>` before any `:=` (at its bracket depth). */
function startsAlternative(tokens: Token[], bar: number): boolean {
  let depth = 0;
  for (let k = bar + 1; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'symbol') continue;
    if (OPENERS.has(t.value)) depth++;
    else if (CLOSERS.has(t.value)) depth--;
    if (depth < 0) return false;
    if (depth === 0 && t.value === ':=') return false;
    if (depth === 0 && isArrow(tokens, k)) return true;
  }
  return false;
}

/** Equations from the `|` token on: from its line start when only blanks precede it, keeping their indentation. */
function equationsText(code: string, bar: Token): string {
  const lineStart = code.lastIndexOf('\n', bar.start - 1) + 1;
  const before = code.slice(lineStart, bar.start);
  return code.slice(before.trim() === '' ? lineStart : bar.start).trimEnd();
}

/**
 * The proof without trailing `end X` lines (column 0) that close, innermost first, the namespaces
 * and sections the trusted statement leaves open. Lexes the proof only for such statements.
 */
function closeScopes(proof: string, shape: StatementShape): string {
  if (shape.openScopes.length === 0 || proof.indexOf('end') < 0) return proof;
  const { tokens } = tokenize(proof);
  const scopes = [...shape.openScopes];
  let text = proof;
  let last = tokens.length;
  while (scopes.length > 0 && last > 0) {
    const scope = scopes[scopes.length - 1] as string;
    const nameless = tokens[last - 1] as Token;
    const hasName = nameless.kind === 'ident' && nameless.value !== 'end' && last >= 2 && (tokens[last - 2] as Token).value === 'end' && (tokens[last - 2] as Token).line === nameless.line;
    const endIndex = hasName ? last - 2 : last - 1;
    const end = tokens[endIndex] as Token;
    if (end.kind !== 'ident' || end.value !== 'end' || end.column !== 0 || (endIndex > 0 && (tokens[endIndex - 1] as Token).line === end.line)) break;
    const named = hasName ? tokenNameComponents(proof, nameless) : [];
    if (named === null || (named.length === 0 ? scope !== '' : escapeLeanName(named) !== scope)) break;
    text = proof.slice(0, end.start).trimEnd();
    scopes.pop();
    last = endIndex;
  }
  return text;
}

/** A top-level `open …` or `set_option <name> <value>` command of the model, optionally ending in `in`. */
interface HeaderLikeCommand {
  first: number;
  last: number;
  /** Token texts joined by one space, without the trailing `in`: `open scoped BigOperators`. */
  normalized: string;
  isOpen: boolean;
  isScoped: boolean;
  /** The namespaces an `open` names. */
  names: string[];
}

function isLineStart(tokens: readonly Token[], k: number): boolean {
  return k === 0 || (tokens[k - 1] as Token).line < (tokens[k] as Token).line;
}

/**
 * The header-like command starting at token `k` (`open`/`set_option` first on its line, at a
 * column no greater than `maxColumn`, ending its line), or null. Only plain forms qualify: `open [scoped] A B…` and
 * `set_option name value`; anything else (`open A hiding x`, `open A (f)`) is other code.
 */
function headerLikeAt(text: string, tokens: readonly Token[], k: number, end: number, maxColumn: number): HeaderLikeCommand | null {
  const t = tokens[k] as Token;
  if (t.kind !== 'ident' || (t.value !== 'open' && t.value !== 'set_option') || t.column > maxColumn || !isLineStart(tokens, k)) return null;
  let j = k + 1;
  const names: string[] = [];
  let isScoped = false;
  if (t.value === 'set_option') {
    const name = tokens[j];
    const value = tokens[j + 1];
    if (name?.kind !== 'ident' || value === undefined || j + 1 >= end || !['ident', 'number', 'string'].includes(value.kind)) return null;
    if (value.line !== t.line || name.line !== t.line) return null;
    j += 2;
  } else {
    if (tokens[j]?.kind === 'ident' && tokens[j]?.value === 'scoped' && j < end) {
      isScoped = true;
      j++;
    }
    while (j < end && (tokens[j] as Token).kind === 'ident' && (tokens[j] as Token).value !== 'in' && (tokens[j] as Token).line === t.line) {
      names.push(text.slice((tokens[j] as Token).start, (tokens[j] as Token).end));
      j++;
    }
    if (names.length === 0 || names.some((name) => name === 'hiding' || name === 'renaming')) return null;
  }
  const normalizedEnd = j;
  if (j < end && (tokens[j] as Token).kind === 'ident' && (tokens[j] as Token).value === 'in' && (tokens[j] as Token).line === t.line) j++;
  if (j < end && !isLineStart(tokens, j)) return null;
  const normalized = tokens
    .slice(k, normalizedEnd)
    .map((x) => text.slice(x.start, x.end))
    .join(' ');
  return { first: k, last: j - 1, normalized, isOpen: t.value === 'open', isScoped, names };
}

/** What the trusted header already says: its header-like lines and opened namespaces, and its own declarations. */
interface HeaderFacts {
  lines: Set<string>;
  opened: Set<string>;
  openedScoped: Set<string>;
  /** Token texts of the header's commands other than imports and header-like lines, one array per command. */
  declarations: string[][];
}

const headerFactsCache = new Map<string, HeaderFacts>();

function headerFacts(header: string): HeaderFacts {
  const known = headerFactsCache.get(header);
  if (known !== undefined) return known;
  const { tokens } = tokenize(header);
  const facts: HeaderFacts = { lines: new Set(), opened: new Set(), openedScoped: new Set(), declarations: [] };
  const rest: number[] = [];
  let k = 0;
  while (k < tokens.length && (tokens[k] as Token).kind === 'ident' && (tokens[k] as Token).value === 'import') k += 2;
  while (k < tokens.length) {
    const command = headerLikeAt(header, tokens, k, tokens.length, 0);
    if (command === null) {
      rest.push(k++);
      continue;
    }
    facts.lines.add(command.normalized);
    for (const name of command.names) (command.isScoped ? facts.openedScoped : facts.opened).add(name);
    k = command.last + 1;
  }
  facts.declarations = commandChunks(header, tokens, rest);
  if (headerFactsCache.size >= 16) headerFactsCache.delete(headerFactsCache.keys().next().value as string);
  headerFactsCache.set(header, facts);
  return facts;
}

function isRedundant(command: HeaderLikeCommand, facts: HeaderFacts): boolean {
  if (facts.lines.has(command.normalized)) return true;
  if (!command.isOpen) return false;
  return command.names.every((name) => facts.opened.has(name) || (command.isScoped && facts.openedScoped.has(name)));
}

/**
 * Marks (in `dropped`) the first run of not-yet-dropped region tokens, starting and ending at line
 * boundaries, whose texts equal `chunk`.
 */
function dropCopy(code: string, tokens: readonly Token[], from: number, end: number, chunk: readonly string[], dropped: Uint8Array): void {
  if (chunk.length === 0) return;
  for (let k = from; k + chunk.length <= end; k++) {
    if (!isLineStart(tokens, k) || (k + chunk.length < end && !isLineStart(tokens, k + chunk.length))) continue;
    let isMatch = true;
    for (let j = 0; j < chunk.length && isMatch; j++) {
      const t = tokens[k + j] as Token;
      isMatch = dropped[k + j] === 0 && code.slice(t.start, t.end) === chunk[j];
    }
    if (isMatch) {
      dropped.fill(1, k, k + chunk.length);
      return;
    }
  }
}

/**
 * The model's code before its copy of the target declaration, split into auxiliary text and
 * preamble lines (see ExtractedProof for the rules). Top-level lines are those not indented more
 * than the declaration (some models indent a whole file). The declaration's own modifiers, attributes
 * and doc comment go with the declaration (never used).
 */
function modelPrefix(code: string, tokens: Token[], declIndex: number, header: string, shape: StatementShape): { auxiliary: string; preamble: string } {
  const end = declarationCommandStart(tokens, declIndex);
  let from = 0;
  while (from < end && (tokens[from] as Token).kind === 'ident' && (tokens[from] as Token).value === 'import') from += from + 1 < end && tokens[from + 1]?.kind === 'ident' ? 2 : 1;
  if (from >= end) return { auxiliary: '', preamble: '' };
  const dropped = new Uint8Array(end);
  const facts = headerFacts(header);
  for (const chunk of [...shape.preambleCommands, ...facts.declarations]) dropCopy(code, tokens, from, end, chunk, dropped);
  const commands: HeaderLikeCommand[] = [];
  let lastOther = -1;
  for (let k = from; k < end; ) {
    if (dropped[k] === 1) {
      k++;
      continue;
    }
    const command = headerLikeAt(code, tokens, k, end, (tokens[end] as Token).column);
    if (command === null) {
      lastOther = k++;
      continue;
    }
    commands.push(command);
    k = command.last + 1;
  }
  const preamble: string[] = [];
  for (const command of commands) {
    if (isRedundant(command, facts)) dropped.fill(1, command.first, command.last + 1);
    else if (command.first > lastOther) {
      preamble.push(command.normalized);
      dropped.fill(1, command.first, command.last + 1);
    }
  }
  // Kept runs of tokens, each with the comments before it (back to the previous dropped token).
  const pieces: string[] = [];
  let pieceStart = from === 0 ? (tokens[0] as Token).start : (tokens[from - 1] as Token).end;
  for (let k = from; k < end; k++) {
    if (dropped[k] === 1) {
      pieceStart = (tokens[k] as Token).end;
      continue;
    }
    if (k + 1 === end || dropped[k + 1] === 1) pieces.push(code.slice(pieceStart, (tokens[k] as Token).end).trim());
  }
  const kept = pieces.filter((p) => p !== '').join('\n\n');
  const auxiliary = tokenize(kept).tokens.length === 0 ? '' : kept;
  return { auxiliary, preamble: preamble.join('\n') };
}

/**
 * The first line of a fence-less completion when it reads as an English sentence, else null.
 * Conservative on purpose (a false no_proof of a real proof is a reward-0 bug): the first token
 * must be a capitalised plain word (`The`, `We`, `I`) that is not a name in the trusted statement
 * (`H hp` applies the hypothesis `H`), the line must have at least three words, and one of them
 * must be an English function word that is no Lean keyword (`the`, `is`, `we`, `that`, …).
 * `Nat.succ_le h` (dotted) and `Or.inl rfl` never match.
 */
function proseLine(code: string, first: Token, formalStatement: string): string | null {
  if (first.kind !== 'ident') return null;
  const lineEnd = code.indexOf('\n', first.start);
  const line = code.slice(first.start, lineEnd < 0 ? code.length : lineEnd).trimEnd();
  if (!/^[A-Z][a-z]*(?:'[a-z]+)?,? +[A-Za-z][a-z]*(?:[ ,.:;!?]|$)/u.test(line)) return null;
  const words = line.split(/\s+/u).map((w) => w.replace(/[^A-Za-z']/gu, '').toLowerCase());
  if (words.length < 3 || !words.some((w) => ENGLISH_FUNCTION_WORDS.has(w))) return null;
  const statementNames = new Set(tokenize(formalStatement).tokens.filter((t) => t.kind === 'ident').map((t) => t.value));
  return statementNames.has(first.value) ? null : line;
}

/** Words of English prose that are not Lean syntax (`by`, `at`, `with`, `from`, `in`, `fun` are). */
const ENGLISH_FUNCTION_WORDS = new Set([
  'the', 'a', 'an', 'is', 'are', 'was', 'we', 'i', 'to', 'that', 'this', 'of', 'it', 'so', 'since', 'therefore', 'thus',
  'need', 'can', 'will', 'must', 'should', 'be', 'answer', 'proof', 'problem', 'prove', 'show', 'because', 'not', 'and',
]);

/**
 * A tactic body as a proof: `by` + the body, re-indented so that its lines form one tactic block.
 * If no line after the first is indented, every line is indented by 2; otherwise the first line
 * gets the smallest indentation of the following non-empty lines. A body starting with `by` is
 * used as it is.
 */
function bodyAsProof(code: string, first: Token): string {
  if (first.value === 'by') return code.trim();
  const body = code.trimEnd();
  // the head is the first non-blank line (it may be a comment)
  let headStart = 0;
  let headEnd = body.indexOf('\n');
  while (headEnd >= 0 && isBlank(body.slice(headStart, headEnd))) {
    headStart = headEnd + 1;
    headEnd = body.indexOf('\n', headStart);
  }
  const head = body.slice(headStart, headEnd < 0 ? body.length : headEnd).trimStart();
  if (headEnd < 0) return `by\n  ${head}`;
  const rest = body.slice(headEnd + 1);
  const minIndent = smallestIndent(rest);
  if (minIndent > 0) return `by\n${' '.repeat(minIndent)}${head}\n${rest}`;
  // no following line is indented: indent every non-blank line by 2
  const out = [`  ${head}`];
  for (const line of rest.split('\n')) out.push(isBlank(line) ? line : `  ${line}`);
  return `by\n${out.join('\n')}`;
}

function isBlank(line: string): boolean {
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Smallest indentation (spaces/tabs) of the non-blank lines of `text`; 0 when none is indented or all are blank. */
function smallestIndent(text: string): number {
  let min = Number.POSITIVE_INFINITY;
  for (let start = 0; start <= text.length; ) {
    let k = start;
    while (k < text.length && (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09)) k++;
    const c = text.charCodeAt(k);
    if (k < text.length && c !== 0x0a && c !== 0x0d && k - start < min) min = k - start;
    if (min === 0) return 0;
    const eol = text.indexOf('\n', k);
    if (eol < 0) break;
    start = eol + 1;
  }
  return min === Number.POSITIVE_INFINITY ? 0 : min;
}
