import { ProoflineError } from '../errors.ts';
import { STATEMENT_SORRY_SUFFIX } from '../schemas/problem.ts';
import { tokenize } from './lexer.ts';

/**
 * L0 assembly: the only way a candidate file is built. Trusted header and statement come from the
 * dataset; the model contributes the proof (and, when the policy allows, auxiliary declarations
 * placed before the statement). The model's own copy of the statement is never used.
 *
 *   text = header + "\n\n" + body
 *   body = (auxiliary ? auxiliary + "\n\n" : "") + statementPrefix + " := " + proof
 */
export interface AssembledCandidate {
  header: string;
  /** What the REPL receives as the per-candidate command. */
  body: string;
  /** The whole file: header + "\n\n" + body. */
  text: string;
  /** Name declared by the last `theorem`/`lemma` of the trusted statement. */
  target: string;
  /** The trusted statement without its final `:= by sorry`, trimEnd'ed. */
  statementPrefix: string;
  /** Lines of `text` before the body: body line 1 is text line bodyLineOffset + 1. */
  bodyLineOffset: number;
  /**
   * The model placed declarations before the statement (lemmas, instances, attributes). Such code
   * can change the environment in ways that outlive the command, so runners must not let a process
   * that elaborated it serve later candidates.
   */
  hasAuxiliary: boolean;
}

export interface TrustedStatement {
  header: string;
  formal_statement: string;
}

// Batches check many completions of one statement (GRPO groups): remember the last few targets.
const recentTargets = new Map<string, string | null>();
const RECENT_TARGETS_MAX = 64;

/** The name declared by the last `theorem`/`lemma` in a trusted statement (comments and strings skipped). */
export function findStatementTarget(formalStatement: string): string | null {
  const known = recentTargets.get(formalStatement);
  if (known !== undefined) return known;
  const target = scanStatementTarget(formalStatement);
  if (recentTargets.size >= RECENT_TARGETS_MAX) recentTargets.delete(recentTargets.keys().next().value as string);
  recentTargets.set(formalStatement, target);
  return target;
}

function scanStatementTarget(formalStatement: string): string | null {
  const { tokens } = tokenize(formalStatement);
  let target: string | null = null;
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k];
    const next = tokens[k + 1];
    if (t?.kind === 'ident' && (t.value === 'theorem' || t.value === 'lemma') && next?.kind === 'ident') target = next.value;
  }
  return target;
}

export function statementTarget(formalStatement: string): string {
  const target = findStatementTarget(formalStatement);
  if (target === null) {
    throw new ProoflineError(
      'INPUT_INVALID',
      `Expected the trusted formal_statement to declare a \`theorem\` or \`lemma\` with a name, got none in: ${JSON.stringify(formalStatement.slice(0, 120))}`,
    );
  }
  return target;
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

export function assembleCandidate(problem: TrustedStatement, extracted: { auxiliary: string; proof: string }): AssembledCandidate {
  const target = statementTarget(problem.formal_statement);
  const prefix = statementPrefix(problem.formal_statement);
  const auxiliary = extracted.auxiliary.trim();
  const body = (auxiliary !== '' ? `${auxiliary}\n\n` : '') + `${prefix} := ${extracted.proof.trimStart()}`;
  return {
    header: problem.header,
    body,
    text: `${problem.header}\n\n${body}`,
    target,
    statementPrefix: prefix,
    bodyLineOffset: countNewlines(problem.header) + 2,
    hasAuxiliary: auxiliary !== '',
  };
}

/** The reference file for L3: the trusted header and statement as given, with its `sorry`. */
export function referenceText(problem: TrustedStatement): string {
  return `${problem.header}\n\n${problem.formal_statement}`;
}
