import { extractProof, type ExtractedProof } from '../extract/extract-proof.ts';
import type { CheckInput } from '../schemas/problem.ts';
import type { Layer, RejectionReason } from '../schemas/verdict.ts';
import { assembleCandidate } from './assemble.ts';
import { tokenize, type Token } from './lexer.ts';
import { NEVER_ALLOWED_OPTION_PREFIXES, policyId, type Policy } from './policy.ts';

/**
 * L1, the lexical gate: a Lean-aware scan of the MODEL's text (auxiliary declarations and proof),
 * never of the trusted header or statement. It is a heuristic that makes attacks expensive and
 * rejects the obvious ones in microseconds; soundness comes from L2 (axiom closure) and L3
 * (fresh compile, kernel replay, statement comparison).
 *
 * Identifier rules compare Lean names after «» unquoting, so `«sorry»` is `sorry`; comments and
 * string literals are skipped (but `{…}` interpolations inside strings are code).
 */

export type LintResult =
  | { ok: true }
  | { ok: false; reason: 'banned_construct'; token: string; line: number; column: number; part: LintPart; detail: string };

export type LintPart = 'auxiliary' | 'proof';

/** Whole identifiers that are banned keywords: commands and modifiers the model may never write. */
const BANNED_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ...['prelude', 'module', 'import'].map((k) => [k, 'changes what the file imports'] as const),
  ['axiom', 'adds an unproved assumption'],
  ...['unsafe', 'partial', 'opaque'].map((k) => [k, 'escapes the kernel’s checks'] as const),
  ...['variable', 'include', 'omit'].map((k) => [k, 'can change the statement’s hypotheses'] as const),
  ...['initialize', 'builtin_initialize', 'run_cmd', 'run_tac', 'run_elab', 'run_meta', 'by_elab'].map(
    (k) => [k, 'runs arbitrary code during elaboration'] as const,
  ),
  ...[
    'macro', 'macro_rules', 'syntax', 'elab', 'elab_rules', 'notation', 'notation3', 'infix', 'infixl', 'infixr', 'prefix',
    'postfix', 'declare_syntax_cat', 'simproc', 'dsimproc', 'builtin_simproc', 'register_option', 'register_simp_attr', 'unif_hint',
  ].map((k) => [k, 'changes how Lean parses or elaborates the statement'] as const),
]);

/** Name components banned wherever they occur (`Lean.ofReduceBool`, `h.sorry`, `«sorry»`). */
const BANNED_COMPONENTS: ReadonlyMap<string, string> = new Map([
  ...['sorry', 'admit', 'sorryAx', 'byAsSorry'].map((k) => [k, 'leaves the goal unproved'] as const),
  ...['native_decide', 'ofReduceBool', 'ofReduceNat', 'reduceBool', 'reduceNat', 'trustCompiler'].map(
    (k) => [k, 'trusts compiled code instead of the kernel'] as const,
  ),
  ...['implemented_by', 'extern', 'csimp'].map((k) => [k, 'replaces kernel-checked code by compiled code'] as const),
  ...['unsafeCast', 'unsafeBaseIO', 'unsafeIO', 'unsafeEIO', 'IO', 'BaseIO', 'EIO'].map((k) => [k, 'runs unchecked or effectful code'] as const),
  ...['Elab', 'Meta', 'Environment', 'Kernel', 'modifyEnv', 'setEnv', 'addDecl', 'addAndCompile', 'skipKernelTC'].map(
    (k) => [k, 'is metaprogramming that can bypass the kernel'] as const,
  ),
]);

/** `#` commands that print, evaluate, stop or filter messages. Other `#x` (Mathlib's `#s` card notation) pass. */
const BANNED_HASH_COMMANDS = new Set([
  '#exit', '#eval', '#print', '#check', '#check_failure', '#reduce', '#synth', '#where', '#help', '#lint', '#guard',
  '#guard_msgs', '#guard_expr', '#simp', '#norm_num', '#conv', '#whnf', '#whnfR', '#find', '#find_home', '#time',
  '#count_heartbeats', '#version', '#explode', '#instances', '#html', '#widget', '#min_imports', '#long_names',
]);

/** Top-level command keywords (and declaration modifiers): the units of auxiliary text. */
const COMMAND_KEYWORDS = new Set([
  'theorem', 'lemma', 'def', 'abbrev', 'instance', 'example', 'structure', 'class', 'inductive', 'coinductive', 'namespace',
  'section', 'end', 'universe', 'open', 'export', 'attribute', 'set_option', 'mutual', 'deriving', 'noncomputable',
  'private', 'protected', 'nonrec',
]);
/** Commands that may appear inside a proof term or tactic block (`open Real in`, `set_option … in`). */
const COMMANDS_ALLOWED_IN_PROOF = new Set(['open', 'set_option']);
const HEARTBEAT_OPTIONS = new Set(['maxHeartbeats', 'synthInstance.maxHeartbeats']);
const OPENERS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[', '⁅', '`(']);
const CLOSERS = new Set([')', ']', '}', '⟩', '⦄', '⟧', '⁆']);

/** Identifiers (without dots) that some rule looks at; everything else is skipped quickly. */
const RULE_IDENTS = new Set([...BANNED_KEYWORDS.keys(), ...BANNED_COMPONENTS.keys(), ...COMMAND_KEYWORDS, 'native', 'open', 'set_option', 'attribute']);
/** For each ASCII first character, a bit per length (< 32) of the rule identifiers starting with it. */
const RULE_LENGTHS = new Uint32Array(128);
for (const name of RULE_IDENTS) RULE_LENGTHS[name.charCodeAt(0)] = (RULE_LENGTHS[name.charCodeAt(0)] ?? 0) | (1 << name.length);

function isRuleIdent(name: string): boolean {
  const c = name.charCodeAt(0);
  if (c >= 128 || name.length >= 32 || ((RULE_LENGTHS[c] ?? 0) & (1 << name.length)) === 0) return false;
  return RULE_IDENTS.has(name);
}

interface Violation {
  token: Token;
  text: string;
  why: string;
}

function violation(token: Token, text: string, why: string): Violation {
  return { token, text, why };
}

/** First violation in one part of the model's text, or null. */
function scanPart(text: string, part: LintPart, policy: Policy): Violation | null {
  const { tokens, unterminated } = tokenize(text);
  if (!policy.allow_auxiliary && part === 'auxiliary' && tokens.length > 0) {
    const first = tokens[0] as Token;
    return violation(first, first.value, `policy ${policyId(policy)} allows no auxiliary declarations, only a proof`);
  }
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    // Fast path: most tokens (plain identifiers, numbers, operators) need no rule.
    if (t.kind === 'ident') {
      if (t.value.indexOf('.') < 0 ? !isRuleIdent(t.value) : bannedComponent(t.value) === undefined) continue;
    } else if (t.kind === 'symbol') {
      if (CLOSERS.has(t.value)) {
        depth = Math.max(0, depth - 1);
        continue;
      }
      const isOpener = OPENERS.has(t.value);
      if (isOpener && t.value !== '@[' && t.value !== '`(') {
        depth++;
        continue;
      }
      if (!isOpener && t.value !== '+') continue;
      if (isOpener) depth++;
    } else if (t.kind !== 'hash') continue;
    const found = checkToken(tokens, k, part, policy, t.kind === 'symbol' ? depth - 1 : depth);
    if (found !== null) return found;
  }
  if (unterminated !== null) {
    const at: Token = { kind: 'symbol', value: '', start: 0, end: 0, line: unterminated.line, column: unterminated.column };
    const shown = unterminated.construct === 'block comment' ? '/-' : '"';
    return violation(at, shown, `unterminated ${unterminated.construct}: it would swallow the text that follows`);
  }
  return null;
}

function checkToken(tokens: Token[], k: number, part: LintPart, policy: Policy, depth: number): Violation | null {
  const t = tokens[k] as Token;
  const next = tokens[k + 1];
  if (t.kind === 'hash') {
    const name = t.value.replace(/[!?]+$/u, '');
    return BANNED_HASH_COMMANDS.has(name) ? violation(t, t.value, 'prints, evaluates, stops the file or filters messages') : null;
  }
  if (t.kind === 'symbol') {
    if (t.value === '`(') return violation(t, '`(', 'syntax quotations are metaprogramming');
    if (t.value === '@[') return checkAttributes(tokens, k, policy);
    if (t.value === '+' && next?.kind === 'ident' && next.value === 'native') return violation(t, '+native', 'native evaluation trusts compiled code instead of the kernel');
    return null;
  }
  if (t.kind !== 'ident') return null;
  const keyword = BANNED_KEYWORDS.get(t.value);
  if (keyword !== undefined) return violation(t, t.value, keyword);
  const banned = bannedComponent(t.value);
  if (banned !== undefined) return violation(t, t.value, banned);
  if (t.value === 'native' && next?.kind === 'symbol' && next.value === ':=') return violation(t, 'native :=', 'native evaluation trusts compiled code instead of the kernel');
  if (t.value === 'open' && next?.kind === 'ident' && next.value === 'private') return violation(t, 'open private', 'exposes private declarations to rewrite them');
  if (t.value === 'set_option') return checkSetOption(tokens, k, policy);
  if (t.value === 'attribute' && next?.kind === 'symbol' && next.value === '[') {
    const attrs = checkAttributes(tokens, k + 1, policy);
    if (attrs !== null) return attrs;
  }
  if (depth === 0 && COMMAND_KEYWORDS.has(t.value)) {
    if (part === 'proof' && !COMMANDS_ALLOWED_IN_PROOF.has(t.value)) {
      return violation(t, t.value, 'a command after the proof: the proof must be a single term or tactic block');
    }
    if (part === 'auxiliary' && !policy.auxiliary_commands.includes(t.value)) {
      return violation(t, t.value, `policy ${policyId(policy)} does not allow \`${t.value}\` in auxiliary declarations`);
    }
  }
  return null;
}

function bannedComponent(name: string): string | undefined {
  if (name.indexOf('.') < 0) return BANNED_COMPONENTS.get(name);
  for (const c of name.split('.')) {
    const why = BANNED_COMPONENTS.get(c);
    if (why !== undefined) return why;
  }
  return undefined;
}

function optionAllowed(name: string, allowlist: readonly string[]): boolean {
  return allowlist.some((entry) => (entry.endsWith('.*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

function checkSetOption(tokens: Token[], k: number, policy: Policy): Violation | null {
  const t = tokens[k] as Token;
  const nameToken = tokens[k + 1];
  if (nameToken?.kind !== 'ident') return violation(t, 'set_option', 'the option name is missing or not a plain name');
  const name = nameToken.value;
  const shown = `set_option ${name}`;
  if (NEVER_ALLOWED_OPTION_PREFIXES.some((p) => `${name}.`.startsWith(p))) return violation(t, shown, `option \`${name}\` is never allowed`);
  if (!optionAllowed(name, policy.set_option_allowlist)) return violation(t, shown, `option \`${name}\` is not in policy ${policyId(policy)}'s allowlist`);
  if (HEARTBEAT_OPTIONS.has(name)) {
    const value = tokens[k + 2];
    const n = value?.kind === 'number' && /^\d+$/u.test(value.value) ? Number(value.value) : Number.NaN;
    if (!(n >= 1 && n <= policy.max_heartbeats_cap)) {
      return violation(t, `${shown} ${value?.value ?? ''}`.trim(), `\`${name}\` must be a number from 1 to ${policy.max_heartbeats_cap} (0 means unlimited)`);
    }
  }
  return null;
}

/** Check the attribute list opened by the `@[` or `[` token at index `open`. */
function checkAttributes(tokens: Token[], open: number, policy: Policy): Violation | null {
  let depth = 0;
  let expectName = true;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'symbol' && OPENERS.has(t.value)) depth++;
    else if (t.kind === 'symbol' && CLOSERS.has(t.value)) {
      depth--;
      if (depth === 0) return null;
    } else if (depth === 1 && t.kind === 'symbol' && t.value === ',') expectName = true;
    else if (depth === 1 && expectName) {
      if (t.kind === 'symbol' && t.value === '-') continue;
      if (t.kind === 'ident' && (t.value === 'local' || t.value === 'scoped')) continue;
      expectName = false;
      if (t.kind !== 'ident' || !policy.attribute_allowlist.includes(t.value)) {
        return violation(t, t.value, `attribute \`${t.value}\` is not in policy ${policyId(policy)}'s attribute allowlist`);
      }
    }
  }
  return null;
}

/** L1 on the model's text only. Line/column are relative to the part (1-based line, 0-based codepoint column). */
export function lintCandidate(parts: { auxiliary: string; proof: string }, policy: Policy): LintResult {
  for (const part of ['auxiliary', 'proof'] as const) {
    const found = scanPart(parts[part], part, policy);
    if (found === null) continue;
    const { token, text, why } = found;
    const where = part === 'proof' ? 'the proof' : 'the auxiliary text';
    return {
      ok: false,
      reason: 'banned_construct',
      token: text,
      line: token.line,
      column: token.column,
      part,
      detail: `banned construct \`${text}\` at line ${token.line}, column ${token.column} of ${where}: ${why}`,
    };
  }
  return { ok: true };
}

/** The outcome of `proofline lint` for one input: L0 + L1 without Lean. */
export interface LintOutcome {
  kind: 'rejected' | 'unchecked';
  reason: RejectionReason | null;
  layer: Layer;
  detail: string;
  extracted: ExtractedProof;
}

/**
 * Extraction (L0) → the policy's auxiliary rule (L0) → assembly (throws INPUT_INVALID for a
 * trusted statement without a theorem name) → the lexical gate (L1). `unchecked` means no layer
 * that needs Lean has run.
 */
export function lintInput(input: CheckInput, policy: Policy): LintOutcome {
  const extracted = extractProof(input.completion, input.formal_statement, input.header);
  if (!extracted.ok) return { kind: 'rejected', reason: 'no_proof', layer: 'L0', detail: extracted.detail, extracted };
  if (!policy.allow_auxiliary && extracted.auxiliary.trim() !== '') {
    const first = tokenize(extracted.auxiliary).tokens[0];
    const at = first === undefined ? '' : ` (\`${first.value}\` at line ${first.line}, column ${first.column} of the auxiliary text)`;
    return {
      kind: 'rejected',
      reason: 'banned_construct',
      layer: 'L0',
      detail: `policy ${policyId(policy)} allows only a proof body, but the completion declares auxiliary code before the theorem${at}`,
      extracted,
    };
  }
  assembleCandidate(input, extracted);
  const lint = lintCandidate(extracted, policy);
  if (!lint.ok) return { kind: 'rejected', reason: 'banned_construct', layer: 'L1', detail: lint.detail, extracted };
  return { kind: 'unchecked', reason: null, layer: 'L1', detail: 'passed extraction (L0) and the lexical gate (L1); Lean has not checked it', extracted };
}
