/**
 * `#print axioms T` output and the axiom policy. The axiom closure, never a warning's text,
 * decides `sorry`; allowing is by EXACT name only (no patterns), so `Lean.ofReduceBool`,
 * `Lean.trustCompiler`, per-use `X._native.native_decide.ax_1_1` and user axioms are forbidden
 * unless someone lists that exact name.
 */

export interface PrintedAxioms {
  /** The constant as Lean printed it between the quotes (may contain `'` or «…»). */
  target: string;
  /** Sorted, without duplicates: older Lean printed the list unsorted. */
  axioms: string[];
}

export interface AxiomClassification {
  /** `sorryAx` is in the closure. */
  sorry: boolean;
  /** Sorted axioms that are neither `sorryAx` nor allowed, plus the target itself if it is an axiom. */
  forbidden: string[];
}

const DEPENDS = /^'(.+)' depends on axioms: \[(.*)\]$/s;
const INDEPENDENT = /^'(.+)' does not depend on any axioms$/s;

/** Parses one `#print axioms` info message; null when `data` is not one. */
export function parsePrintAxioms(data: string): PrintedAxioms | null {
  const text = data.trim();
  const independent = INDEPENDENT.exec(text);
  if (independent !== null) return { target: independent[1] as string, axioms: [] };
  const depends = DEPENDS.exec(text);
  if (depends === null) return null;
  const names = splitNameList(depends[2] as string);
  if (names === null) return null;
  return { target: depends[1] as string, axioms: [...new Set(names)].sort() };
}

/**
 * Splits `a, b.c, «d, e»` at commas outside «…». Lean may wrap a long list over several lines, so
 * any whitespace around a comma is a separator. Null when a name is empty or a « is unclosed.
 */
function splitNameList(list: string): string[] | null {
  const names: string[] = [];
  let current = '';
  let isQuoted = false;
  for (const char of list) {
    if (char === '«') isQuoted = true;
    else if (char === '»') isQuoted = false;
    if (char === ',' && !isQuoted) {
      names.push(current.trim());
      current = '';
    } else current += char;
  }
  names.push(current.trim());
  if (isQuoted || names.some((name) => name === '' || /\s/.test(name.replace(/«[^»]*»/g, '')))) return null;
  return names;
}

export function classifyAxioms(axioms: readonly string[], allowed: readonly string[], target: string): AxiomClassification {
  const allowedNames = new Set(allowed);
  const forbidden = new Set<string>();
  for (const axiom of axioms) {
    if (axiom === 'sorryAx') continue;
    if (axiom === target || !allowedNames.has(axiom)) forbidden.add(axiom);
  }
  return { sorry: axioms.includes('sorryAx'), forbidden: [...forbidden].sort() };
}
