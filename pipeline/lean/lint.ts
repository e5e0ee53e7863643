import { extractProof, type ExtractedProof } from '../extract/extract-proof.ts';
import type { CheckInput } from '../schemas/problem.ts';
import type { Layer, RejectionReason } from '../schemas/verdict.ts';
import { assembleCandidate } from './assemble.ts';
import { tokenize, type Token } from './lexer.ts';
import { NEVER_ALLOWED_OPTION_PREFIXES, isOptionAllowed, policyId, type Policy } from './policy.ts';

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

/** The model's text, in the order it is linted: restated header lines, auxiliary declarations, the proof. */
export type LintPart = 'preamble' | 'auxiliary' | 'proof';

const METAPROGRAM = 'is metaprogramming that can bypass the kernel';

/** Whole identifiers that are banned keywords: commands, tactics and modifiers the model may never write. */
const BANNED_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ...['prelude', 'module', 'import'].map((k) => [k, 'changes what the file imports'] as const),
  ['axiom', 'adds an unproved assumption'],
  ['init_quot', 'declares the kernel’s quotient primitives'],
  ...['unsafe', 'partial', 'opaque'].map((k) => [k, 'escapes the kernel’s checks'] as const),
  ...['variable', 'variable?', 'include', 'omit'].map((k) => [k, 'can change the statement’s hypotheses'] as const),
  ['stop', 'admits every remaining goal (`stop` is `repeat sorry`)'],
  ['apply?', 'admits the goal with `sorry` when it finds only partial suggestions (write the suggested proof instead)'],
  ...['initialize', 'builtin_initialize', 'run_cmd', 'run_tac', 'run_elab', 'run_meta', 'by_elab', 'test_extern'].map(
    (k) => [k, 'runs arbitrary code during elaboration'] as const,
  ),
  ...['add_aesop_rules', 'erase_aesop_rules', 'declare_aesop_rule_sets'].map((k) => [k, 'changes Aesop’s rules, which can run arbitrary code'] as const),
  ...[
    'throwError', 'throwErrorAt', 'throwNamedError', 'throwNamedErrorAt', 'logNamedError', 'logNamedErrorAt', 'logNamedWarning',
    'logNamedWarningAt',
  ].map((k) => [k, `${METAPROGRAM} (only metaprograms throw or log elaboration errors)`] as const),
  ...[
    'macro', 'macro_rules', 'syntax', 'elab', 'elab_rules', 'notation', 'notation3', 'infix', 'infixl', 'infixr', 'prefix',
    'postfix', 'binder_predicate', 'declare_syntax_cat', 'simproc', 'dsimproc', 'simproc_decl', 'dsimproc_decl', 'builtin_simproc',
    'register_option', 'register_simp_attr', 'register_label_attr', 'declare_simp_like_tactic', 'declare_config_elab',
    'register_parser_alias', 'unif_hint',
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
  ...[
    'Elab', 'Meta', 'Core', 'Environment', 'Kernel', 'modifyEnv', 'setEnv', 'addDecl', 'addAndCompile', 'skipKernelTC',
    // the monads metaprograms run in, and Aesop's rule types (a rule of these types is code Aesop runs)
    'CoreM', 'MetaM', 'TacticM', 'TermElabM', 'CommandElabM', 'MacroM', 'RuleTac', 'SingleRuleTac', 'RuleTacInput', 'TacGen',
  ].map((k) => [k, METAPROGRAM] as const),
]);

/** `#` commands that print, evaluate, stop or filter messages. Other `#x` (Mathlib's `#s` card notation) pass. */
const BANNED_HASH_COMMANDS = new Set([
  '#exit', '#eval', '#print', '#check', '#check_failure', '#reduce', '#synth', '#where', '#help', '#lint', '#guard',
  '#guard_msgs', '#guard_expr', '#simp', '#norm_num', '#conv', '#whnf', '#whnfR', '#find', '#find_home', '#time',
  '#count_heartbeats', '#version', '#explode', '#instances', '#html', '#widget', '#min_imports', '#long_names',
]);

/**
 * Keywords that start a command (or a declaration modifier), from Lean core, Batteries, Aesop and
 * Mathlib: the units of auxiliary text, and what may never follow the proof. `%` commands
 * (`gen_injective_theorems%`) lex as the identifier before the `%`. Banned commands (BANNED_KEYWORDS)
 * are not repeated here.
 */
const COMMAND_KEYWORDS = new Set([
  'theorem', 'lemma', 'def', 'abbrev', 'instance', 'example', 'structure', 'class', 'inductive', 'coinductive', 'namespace',
  'section', 'end', 'universe', 'open', 'export', 'attribute', 'set_option', 'mutual', 'deriving', 'noncomputable',
  'private', 'protected', 'nonrec', 'seal', 'unseal', 'add_decl_doc', 'gen_injective_theorems', 'compile_inductive',
  'compile_def', 'alias', 'irreducible_def', 'proof_wanted', 'recall', 'suppress_compilation', 'unsuppress_compilation',
  'assert_exists', 'assert_not_exists', 'assert_not_imported', 'initialize_simps_projections', 'mk_iff_of_inductive_prop',
  'library_note', 'whatsnew', 'count_heartbeats', 'grind_pattern', 'register_error_explanation', 'recommended_spelling',
  'register_tactic_tag', 'tactic_extension', 'set_premise_selector', 'set_library_suggestions', 'register_linter_set',
  'extend_docs', 'show_panel_widgets',
]);
/** Commands that may appear inside a proof term or tactic block, in their `… in` form (`open Real in`, `set_option … in`). */
const COMMANDS_ALLOWED_IN_PROOF = new Set(['open', 'set_option']);
/** Parts of a declaration that may start a line at column 0 after its proof. */
const DECLARATION_CONTINUATIONS = new Set(['where', 'termination_by', 'decreasing_by']);
/** Heads whose `[` (glued to them) opens a trace class: `trace[cls] msg` logs from a metaprogram. */
const TRACE_HEADS = new Set(['trace', 'aesop_trace', 'aesop_trace!']);
/** Aesop rule builders that use the declaration as a lemma or definition, never running it. */
const AESOP_DATA_BUILDERS = new Set(['apply', 'forward', 'destruct', 'elim', 'cases', 'constructors', 'simp', 'unfold']);
const DECLARATION_MODIFIERS = new Set(['private', 'protected', 'noncomputable', 'nonrec', 'partial', 'unsafe', 'scoped', 'local', 'public', 'meta']);
const OPENERS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[', '⁅', '`(']);
const CLOSERS = new Set([')', ']', '}', '⟩', '⦄', '⟧', '⁆']);

/** Identifiers (without dots) that some rule looks at; everything else is skipped quickly. */
const RULE_IDENTS = new Set([
  ...BANNED_KEYWORDS.keys(), ...BANNED_COMPONENTS.keys(), ...COMMAND_KEYWORDS, ...TRACE_HEADS, 'native', 'aesop', 'aesop?',
]);
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

const isIdent = (t: Token | undefined, value: string): boolean => t !== undefined && t.kind === 'ident' && t.value === value;

/** First violation in one part of the model's text, or null (its tokens then go to `onClean`). */
function scanPart(text: string, part: LintPart, policy: Policy, onClean?: (tokens: readonly Token[]) => void): Violation | null {
  const { tokens, unterminated } = tokenize(text);
  const found = scanTokens(tokens, unterminated, part, policy);
  if (found === null) onClean?.(tokens);
  return found;
}

function scanTokens(tokens: Token[], unterminated: ReturnType<typeof tokenize>['unterminated'], part: LintPart, policy: Policy): Violation | null {
  if (!policy.allow_auxiliary && part === 'auxiliary' && tokens.length > 0) {
    const first = tokens[0] as Token;
    return violation(first, first.value, `policy ${policyId(policy)} allows no auxiliary declarations, only a proof`);
  }
  if (part === 'preamble') {
    const found = checkPreamble(tokens, policy);
    if (found !== null) return found;
  }
  // A `by` whose first tactic starts a later line at column 0: its tactics are column-0 lines too.
  const blockAtColumnZero = part === 'proof' && isIdent(tokens[0], 'by') && tokens[1] !== undefined && tokens[1].line > 1 && tokens[1].column === 0;
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ident' && isInterpolationHead(t.value) && tokens[k + 1]?.kind === 'string') {
      // Checked before anything else: after such a head the lexer's reading of the string (plain or
      // interpolated) decides where the code after it starts, and a guess either way can hide code.
      return violation(t, `${t.value} "…"`, 'interpolated strings are metaprogramming and IO, never part of a proof; they are not allowed because their boundaries decide what L1 sees');
    }
    if (part === 'proof' && t.column === 0 && depth === 0 && t.line > 1) {
      const found = checkLineAfterProof(tokens, k, blockAtColumnZero);
      if (found !== null) return found;
    }
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

/**
 * The allowlist of what may follow the statement: the proof is one term or tactic block, and
 * after it comes nothing but comments. Lean ends a declaration's term at a line starting in column
 * 0 (application arguments must be indented), so such a line at bracket depth 0 may start only
 * with a symbol (`|` alternatives, `<;>`, which no command starts with) or a continuation of the
 * declaration (`where`, `termination_by`, `decreasing_by`). A tactic block written at column 0
 * (`by` then tactics in column 0, which Lean accepts) falls back to the command keyword list.
 */
/**
 * Heads after which Lean may read a string as interpolated (`s!`, `m!`, `f!`, `println!`,
 * `panic!`, any `name!`, `dbg_trace`, `throwError`), by the identifier's VALUE, so `«m!»` counts
 * too: in a file where `«m!»` is an ordinary identifier the lexer's guess would be wrong.
 */
function isInterpolationHead(name: string): boolean {
  return name.endsWith('!') || name === 'dbg_trace' || name === 'throwError';
}

function checkLineAfterProof(tokens: Token[], k: number, blockAtColumnZero: boolean): Violation | null {
  const t = tokens[k] as Token;
  if (k === 0 || (tokens[k - 1] as Token).line === t.line) return null; // the proof's start, or not first on its line
  if (t.kind === 'ident' && t.value === '_') return null; // a term-mode `calc` step (`_ = b := …`) may start in column 0
  if (t.kind !== 'ident' && t.kind !== 'hash' && t.value !== '@[') return null;
  if (t.kind === 'ident' && DECLARATION_CONTINUATIONS.has(t.value)) return null;
  if (blockAtColumnZero && t.kind === 'ident' && !COMMAND_KEYWORDS.has(t.value)) return null;
  return violation(
    t,
    t.value,
    'Lean reads a line starting in column 0 as a new command: the proof must be a single term or tactic block (indent its lines), followed by nothing but comments',
  );
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
    if (t.value === '+' && isIdent(next, 'native')) return violation(t, '+native', 'native evaluation trusts compiled code instead of the kernel');
    return null;
  }
  if (t.kind !== 'ident') return null;
  const keyword = BANNED_KEYWORDS.get(t.value);
  if (keyword !== undefined && !(t.value === 'unsafe' && isAesopPhase(tokens, k))) return violation(t, t.value, keyword);
  const banned = bannedComponent(t.value);
  if (banned !== undefined) return violation(t, t.value, banned);
  if (t.value === 'native' && next?.kind === 'symbol' && next.value === ':=') return violation(t, 'native :=', 'native evaluation trusts compiled code instead of the kernel');
  if (t.value === 'open' && isIdent(next, 'private')) return violation(t, 'open private', 'exposes private declarations to rewrite them');
  if (TRACE_HEADS.has(t.value) && next?.value === '[' && next.start === t.end) return violation(t, `${t.value}[`, `${METAPROGRAM} (trace messages come from metaprograms)`);
  if (t.value === 'set_option') {
    const option = checkSetOption(tokens, k, policy);
    if (option !== null) return option;
  }
  if ((t.value === 'aesop' || t.value === 'aesop?') && next?.value === '(') {
    const rule = checkAesopClauses(tokens, k + 1);
    if (rule !== null) return rule;
  }
  if (t.value === 'attribute' && next?.kind === 'symbol' && next.value === '[') {
    const attrs = checkAttributes(tokens, k + 1, policy);
    if (attrs !== null) return attrs;
  }
  if (depth === 0 && COMMAND_KEYWORDS.has(t.value)) {
    if (part === 'proof') {
      if (!COMMANDS_ALLOWED_IN_PROOF.has(t.value)) return violation(t, t.value, 'a command after the proof: the proof must be a single term or tactic block');
      if (!endsInIn(tokens, k)) {
        return violation(t, t.value, `\`${t.value}\` inside a proof must be the \`${t.value} … in\` form: on its own it would change the scope of the commands after the proof`);
      }
    }
    if (part === 'auxiliary' && !policy.auxiliary_commands.includes(t.value)) {
      return violation(t, t.value, `policy ${policyId(policy)} does not allow \`${t.value}\` in auxiliary declarations`);
    }
  }
  return null;
}

/** Is the `unsafe` at token `k` Aesop's phase (`@[aesop unsafe 50% apply]`, `aesop (add unsafe 50% foo)`, `[safe …, unsafe 50% …]`)? */
function isAesopPhase(tokens: Token[], k: number): boolean {
  const prev = tokens[k - 1];
  if (isIdent(prev, 'aesop') || isIdent(prev, 'add')) return true;
  return prev?.kind === 'symbol' && (prev.value === '[' || prev.value === ',') && tokens[k + 1]?.kind === 'number';
}

/** Is the `open`/`set_option` at token `k` the `… in` combinator? `open A B (x) hiding y in`, `set_option name value in`. */
function endsInIn(tokens: Token[], k: number): boolean {
  if ((tokens[k] as Token).value === 'set_option') return isIdent(tokens[k + 3], 'in');
  for (let j = k + 1; j < tokens.length && j <= k + 64; j++) {
    const t = tokens[j] as Token;
    if (t.kind === 'ident') {
      if (t.value === 'in') return j > k + 1;
      continue;
    }
    if (t.kind !== 'symbol' || !['(', ')', '→', ','].includes(t.value)) return false;
  }
  return false;
}

function bannedComponent(name: string): string | undefined {
  if (name.indexOf('.') < 0) return BANNED_COMPONENTS.get(name);
  for (const c of name.split('.')) {
    const why = BANNED_COMPONENTS.get(c);
    if (why !== undefined) return why;
  }
  return undefined;
}

function checkSetOption(tokens: Token[], k: number, policy: Policy): Violation | null {
  const t = tokens[k] as Token;
  const nameToken = tokens[k + 1];
  if (nameToken?.kind !== 'ident') return violation(t, 'set_option', 'the option name is missing or not a plain name');
  const name = nameToken.value;
  const shown = `set_option ${name}`;
  if (NEVER_ALLOWED_OPTION_PREFIXES.some((p) => `${name}.`.startsWith(p))) return violation(t, shown, `option \`${name}\` is never allowed`);
  if (!isOptionAllowed(name, policy.set_option_allowlist)) return violation(t, shown, `option \`${name}\` is not in policy ${policyId(policy)}'s allowlist`);
  const cap = Object.hasOwn(policy.option_caps, name) ? policy.option_caps[name] : undefined;
  if (cap !== undefined) {
    const value = tokens[k + 2];
    const n = value?.kind === 'number' && /^\d+$/u.test(value.value) ? Number(value.value) : Number.NaN;
    if (!(n >= 1 && n <= cap)) {
      const unlimited = name.endsWith('maxHeartbeats') ? ' (0 means unlimited)' : '';
      return violation(t, `${shown} ${value?.value ?? ''}`.trim(), `\`${name}\` must be a decimal number from 1 to ${cap} in policy ${policyId(policy)}${unlimited}`);
    }
  }
  return null;
}

/**
 * Restated header lines (`preamble`): assembly applies them to the trusted statement, so they may
 * only be `open [scoped] A B…` and `set_option name value` with an allowlisted option and a
 * literal value within its cap, one per line, optionally ending in `in`.
 */
function checkPreamble(tokens: Token[], policy: Policy): Violation | null {
  const why = 'restated header lines may only be `open …`, `open scoped …` and allowlisted `set_option` lines';
  let k = 0;
  while (k < tokens.length) {
    const t = tokens[k] as Token;
    let j = k + 1;
    if (isIdent(t, 'set_option')) {
      const option = checkSetOption(tokens, k, policy);
      if (option !== null) return option;
      const value = tokens[k + 2];
      if (value === undefined || !(value.kind === 'number' || isIdent(value, 'true') || isIdent(value, 'false'))) return violation(value ?? t, value?.value ?? 'set_option', why);
      j = k + 3;
    } else if (isIdent(t, 'open')) {
      if (isIdent(tokens[j], 'scoped')) j++;
      const first = j;
      for (; j < tokens.length && (tokens[j] as Token).kind === 'ident' && (tokens[j] as Token).line === t.line; j++) {
        const name = tokens[j] as Token;
        if (name.value === 'in') break;
        const isKeyword = COMMAND_KEYWORDS.has(name.value) || BANNED_KEYWORDS.has(name.value) || ['hiding', 'renaming', 'scoped'].includes(name.value);
        if (isKeyword || bannedComponent(name.value) !== undefined) return violation(name, name.value, why);
      }
      if (j === first) return violation(tokens[j] ?? t, tokens[j]?.value ?? 'open', why);
    } else {
      return violation(t, t.value, why);
    }
    if (isIdent(tokens[j], 'in') && (tokens[j] as Token).line === t.line) j++;
    const rest = tokens[j];
    if (rest !== undefined && rest.line === t.line) return violation(rest, rest.value, why);
    k = j;
  }
  return null;
}

/** The declaration keyword after the attribute list closed by token `close` (skipping modifiers and more attribute lists), or null. */
function declarationAfter(tokens: Token[], close: number): string | null {
  let depth = 0;
  for (let k = close + 1; k < tokens.length && k <= close + 256; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'symbol' && OPENERS.has(t.value)) depth++;
    else if (t.kind === 'symbol' && CLOSERS.has(t.value)) depth--;
    else if (depth === 0 && t.kind === 'ident' && !DECLARATION_MODIFIERS.has(t.value)) return t.value;
    else if (depth === 0 && t.kind !== 'ident') return null;
  }
  return null;
}

/**
 * An `@[aesop …]` rule may not run the model's code: Aesop runs a `tactic` rule's declaration
 * during elaboration, in the REPL that serves later candidates and in L3's compile. Its default
 * builder tries `tactic` before `apply` for a declaration of tactic type, so on anything but a
 * theorem (whose type is a proposition, never a tactic) the builder must be named.
 */
function checkAesopRule(args: Token[], at: Token, declaration: string | null): Violation | null {
  const tactic = args.find((a) => isIdent(a, 'tactic'));
  if (tactic !== undefined) {
    return violation(tactic, 'aesop … tactic', 'an Aesop `tactic` rule runs the declaration’s code during elaboration (in the REPL and in the confirming compile)');
  }
  if (declaration === 'theorem' || declaration === 'lemma') return null;
  if (args.some((a) => a.kind === 'ident' && AESOP_DATA_BUILDERS.has(a.value))) return null;
  return violation(
    at,
    'aesop',
    `\`@[aesop]\` on ${declaration === null ? 'a name' : `a \`${declaration}\``} without a builder: Aesop’s default builder makes a declaration of tactic type a \`tactic\` rule, which runs its code; name the builder (apply, forward, cases, constructors, simp, unfold)`,
  );
}

/** `aesop (add safe tactic foo)`: the rule clauses of an `aesop` call, starting at the `(` at index `open`. */
function checkAesopClauses(tokens: Token[], open: number): Violation | null {
  let depth = 0;
  let isAdd = false;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'symbol' && OPENERS.has(t.value)) {
      if (depth === 0 && t.value !== '(') return null;
      depth++;
      if (depth === 1) isAdd = isIdent(tokens[k + 1], 'add');
    } else if (t.kind === 'symbol' && CLOSERS.has(t.value)) {
      depth--;
      if (depth === 0 && tokens[k + 1]?.value !== '(') return null;
    } else if (depth === 0) return null;
    else if (isAdd && isIdent(t, 'tactic')) {
      return violation(t, 'aesop (add … tactic …)', 'an Aesop `tactic` rule runs the declaration’s code during elaboration (in the REPL and in the confirming compile)');
    }
  }
  return null;
}

/** Check the attribute list opened by the `@[` or `[` token at index `open`. */
function checkAttributes(tokens: Token[], open: number, policy: Policy): Violation | null {
  let depth = 0;
  let expectName = true;
  let aesop: { at: Token; args: Token[] } | null = null;
  const finishAesop = (close: number): Violation | null => {
    if (aesop === null) return null;
    const found = checkAesopRule(aesop.args, aesop.at, (tokens[open] as Token).value === '@[' ? declarationAfter(tokens, close) : null);
    aesop = null;
    return found;
  };
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'symbol' && OPENERS.has(t.value)) depth++;
    else if (t.kind === 'symbol' && CLOSERS.has(t.value)) {
      depth--;
      if (depth === 0) return finishAesop(k);
    } else if (depth === 1 && t.kind === 'symbol' && t.value === ',') {
      expectName = true;
      const found = finishAesop(closingOf(tokens, open));
      if (found !== null) return found;
      continue;
    } else if (depth === 1 && expectName) {
      if (t.kind === 'symbol' && t.value === '-') continue;
      if (t.kind === 'ident' && (t.value === 'local' || t.value === 'scoped')) continue;
      expectName = false;
      if (t.kind !== 'ident' || !policy.attribute_allowlist.includes(t.value)) {
        return violation(t, t.value, `attribute \`${t.value}\` is not in policy ${policyId(policy)}'s attribute allowlist`);
      }
      if (t.value === 'aesop') aesop = { at: t, args: [] };
      continue;
    }
    if (aesop !== null) (aesop as { args: Token[] }).args.push(t);
  }
  return finishAesop(tokens.length - 1);
}

/** Index of the token closing the bracket opened at `open` (or the last token). */
function closingOf(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'symbol' && OPENERS.has(t.value)) depth++;
    else if (t.kind === 'symbol' && CLOSERS.has(t.value) && --depth === 0) return k;
  }
  return tokens.length - 1;
}

/**
 * L1 on the model's text only. Line/column are relative to the part (1-based line, 0-based codepoint
 * column). When given, `constructs` receives the identifiers and `#` commands of every part that
 * passed (the L4 drift log's input, so an accepted candidate is not tokenized a second time).
 */
export function lintCandidate(parts: { preamble?: string; auxiliary: string; proof: string }, policy: Policy, constructs?: Set<string>): LintResult {
  const collect = constructs === undefined ? undefined : (tokens: readonly Token[]): void => {
    for (const token of tokens) if (token.kind === 'ident' || token.kind === 'hash') constructs.add(token.value);
  };
  for (const part of ['preamble', 'auxiliary', 'proof'] as const) {
    const text = parts[part] ?? '';
    if (text === '') continue;
    const found = scanPart(text, part, policy, collect);
    if (found === null) continue;
    const { token, text: shown, why } = found;
    const where = part === 'proof' ? 'the proof' : part === 'auxiliary' ? 'the auxiliary text' : 'the restated header lines';
    return {
      ok: false,
      reason: 'banned_construct',
      token: shown,
      line: token.line,
      column: token.column,
      part,
      detail: `banned construct \`${shown}\` at line ${token.line}, column ${token.column} of ${where}: ${why}`,
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
  // `preamble` (restated header lines) comes from newer extraction; absent, there is none.
  const preamble = (extracted as { preamble?: string }).preamble ?? '';
  const lint = lintCandidate({ preamble, auxiliary: extracted.auxiliary, proof: extracted.proof }, policy);
  if (!lint.ok) return { kind: 'rejected', reason: 'banned_construct', layer: 'L1', detail: lint.detail, extracted };
  return { kind: 'unchecked', reason: null, layer: 'L1', detail: 'passed extraction (L0) and the lexical gate (L1); Lean has not checked it', extracted };
}
