import { statementTarget } from '../lean/assemble.ts';
import { tokenize, type Token } from '../lean/lexer.ts';
import { splitCompletion, type FenceKind } from './extract-reasoning.ts';

/**
 * What the model contributed to a candidate: the proof (starting with `by`, or a term), optional
 * auxiliary declarations to place before the trusted statement, and its reasoning.
 *
 * `source` says how the proof was found: `statement_repeated` (the code declares the target
 * theorem; the proof is what follows its `:=`) or `body_only` (the code is the proof body).
 * `fence` says which part of the completion was the code (see extract-reasoning.ts).
 */
export type ExtractedProof =
  | {
      ok: true;
      auxiliary: string;
      proof: string;
      reasoning: string | null;
      source: 'statement_repeated' | 'body_only';
      fence: FenceKind;
    }
  | { ok: false; reason: 'no_proof'; detail: string; reasoning: string | null };

const DECLARATION_KEYWORDS = new Set(['theorem', 'lemma']);
/** Modifiers of the model's copy of the statement; dropped with it (they never reach Lean). */
const STATEMENT_MODIFIERS = new Set(['private', 'protected', 'noncomputable', 'nonrec', 'partial', 'unsafe']);
/** A code block starting with one of these is a Lean file or declaration, not a tactic body. */
const FILE_START_KEYWORDS = new Set([
  'import', 'theorem', 'lemma', 'def', 'example', 'abbrev', 'instance', 'structure', 'inductive', 'class',
  'namespace', 'section', 'universe', 'variable', 'noncomputable', 'private', 'protected', 'axiom', 'prelude', 'module',
]);
const OPENERS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[', '⁅', '‹', '`(']);
const CLOSERS = new Set([')', ']', '}', '⟩', '⦄', '⟧', '⁆', '›']);

function noProof(detail: string, reasoning: string | null): ExtractedProof {
  return { ok: false, reason: 'no_proof', detail, reasoning };
}

/**
 * Extract the model's proof for the trusted statement. `header` (the trusted header) is used only
 * to drop the model's copies of its `set_option`/`open` lines from the auxiliary text.
 * Never throws on model output; throws INPUT_INVALID when the trusted statement has no theorem name.
 */
export function extractProof(completion: string, formalStatement: string, header = ''): ExtractedProof {
  const target = statementTarget(formalStatement);
  const split = splitCompletion(completion);
  if (split.code === null) return noProof(split.detail, split.reasoning);
  const { code, fence, reasoning } = split;
  if (code.trim() === '') return noProof(`the Lean code (${describeFence(fence)}) is empty`, reasoning);
  const all = tokenizeForDeclaration(code, target);
  // A completion can continue a doc comment its prompt opened: a leading `-/` closes that comment.
  let tokens = all[0]?.value === '-' && all[1]?.value === '/' && all[1].start === all[0].end ? all.slice(2) : all;
  if (tokens.length === 0) return noProof(`the Lean code (${describeFence(fence)}) contains only comments`, reasoning);

  const declIndex = findDeclaration(tokens, target);
  if (declIndex >= 0) {
    const assign = findAssignment(tokens, declIndex + 2);
    const decl = tokens[declIndex] as Token;
    if (assign === null) {
      return noProof(`the code declares \`${decl.value} ${target}\` (line ${decl.line}) but has no \`:=\` after its statement`, reasoning);
    }
    const proof = code.slice(assign.end).trim();
    if (proof === '') return noProof(`nothing follows \`:=\` in the code's \`${decl.value} ${target}\``, reasoning);
    return { ok: true, auxiliary: auxiliaryBefore(code, tokens, declIndex, header), proof, reasoning, source: 'statement_repeated', fence };
  }

  const first = tokens[0] as Token;
  if (FILE_START_KEYWORDS.has(first.value) && first.kind === 'ident') {
    tokens = tokenize(code).tokens; // rare path: the message names what the file declares
    const other = tokens.find((t, k) => t.kind === 'ident' && DECLARATION_KEYWORDS.has(t.value) && tokens[k + 1]?.kind === 'ident');
    const declared = other === undefined ? 'no theorem' : `\`${other.value} ${tokens[tokens.indexOf(other) + 1]?.value ?? ''}\``;
    return noProof(
      `the code starts with \`${first.value}\` like a Lean file but declares ${declared}, not the target \`${target}\` (renamed theorems are not matched)`,
      reasoning,
    );
  }
  return { ok: true, auxiliary: '', proof: bodyAsProof(code, first), reasoning, source: 'body_only', fence };
}

/** Characters after the first mention of the target within which its `:=` is looked for first (×4 per retry). */
const DECLARATION_WINDOW = 512;

/**
 * Tokens enough to find the target's declaration and its `:=`: none of the text is lexed twice
 * (the proof is lexed by L1). Without the target's last name component in the text there is no
 * declaration, and a body only needs its first tokens. Otherwise lex up to a window past the
 * first mention, growing it until it holds the declaration's `:=` (or is the whole text).
 */
function tokenizeForDeclaration(code: string, target: string): Token[] {
  const mention = code.indexOf(target.slice(target.lastIndexOf('.') + 1));
  if (mention < 0) return tokenize(code, { maxTokens: 3 }).tokens;
  for (let size = DECLARATION_WINDOW; mention + size < code.length; size *= 4) {
    const window = tokenize(code, { untilOffset: mention + size }).tokens;
    const declIndex = findDeclaration(window, target);
    if (declIndex >= 0 && findAssignment(window, declIndex + 2) !== null) return window;
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

function findDeclaration(tokens: Token[], target: string): number {
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident' && DECLARATION_KEYWORDS.has(t.value)) {
      const name = tokens[k + 1] as Token;
      if (name.kind === 'ident' && name.value === target) return k;
    }
  }
  return -1;
}

/** The first `:=` at bracket depth 0 from token `from` on. */
function findAssignment(tokens: Token[], from: number): Token | null {
  let depth = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'symbol') continue;
    if (OPENERS.has(t.value)) depth++;
    else if (CLOSERS.has(t.value)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.value === ':=') return t;
  }
  return null;
}

/** Index of the `@[` opening the attribute list whose `]` is token `close`, or -1. */
function attributeStart(tokens: Token[], close: number): number {
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
 * The model's code before its copy of the target declaration, without: the declaration's own
 * modifiers, attributes and doc comment; leading `import`s; `set_option`/`open` lines that the
 * trusted header already has (verbatim, trimmed). Comment-only leftovers become "".
 */
function auxiliaryBefore(code: string, tokens: Token[], declIndex: number, header: string): string {
  let k = declIndex - 1;
  while (k >= 0) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident' && STATEMENT_MODIFIERS.has(t.value)) k--;
    else if (t.kind === 'symbol' && t.value === ']') {
      const open = attributeStart(tokens, k);
      if (open < 0) break;
      k = open - 1;
    } else break;
  }
  if (k < 0) return '';
  let start = 0;
  let m = 0;
  while (m <= k && (tokens[m] as Token).kind === 'ident' && (tokens[m] as Token).value === 'import') {
    m += tokens[m + 1]?.kind === 'ident' && m + 1 <= k ? 2 : 1;
    start = (tokens[m - 1] as Token).end;
  }
  if (m > k) return '';
  const redundant = redundantLineTest(header);
  const kept = code
    .slice(start, (tokens[k] as Token).end)
    .split('\n')
    .filter((l) => !redundant(l.trim()))
    .join('\n');
  if (tokenize(kept).tokens.length === 0) return '';
  // A model that copies the whole trusted file repeats the header's own declarations (helper
  // `def`s): those are the header's, not auxiliary code, and would only clash with it.
  return isHeaderCopy(kept, header, redundant) ? '' : kept.trim();
}

function isHeaderCopy(kept: string, header: string, redundant: (line: string) => boolean): boolean {
  const rest = header
    .split('\n')
    .filter((l) => !redundant(l.trim()) && !/^\s*import\s/u.test(l))
    .join('\n');
  const normalize = (text: string): string => text.replace(/\s+/gu, ' ').trim();
  return normalize(rest) !== '' && normalize(kept) === normalize(rest);
}

const PLAIN_OPEN = /^open((?:\s+[\p{L}\p{N}_.'!?₀-₉]+)+)$/u;

/**
 * Lines of the model's preamble that repeat the trusted header: `set_option`/`open` lines found
 * verbatim (trimmed) in the header, and plain `open A B` lines whose namespaces the header already
 * opens in any order (models reorder `open BigOperators Real Nat Topology Rat`).
 */
function redundantLineTest(header: string): (line: string) => boolean {
  const verbatim = new Set<string>();
  const opened = new Set<string>();
  for (const raw of header.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('set_option') || line.startsWith('open')) verbatim.add(line);
    const names = PLAIN_OPEN.exec(line)?.[1];
    if (names !== undefined) for (const name of names.trim().split(/\s+/u)) opened.add(name);
  }
  return (line) => {
    if (verbatim.has(line)) return true;
    const names = PLAIN_OPEN.exec(line)?.[1];
    if (names === undefined) return false;
    const list = names.trim().split(/\s+/u);
    return !list.includes('in') && list.every((name) => opened.has(name));
  };
}

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
