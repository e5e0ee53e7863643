import { declarationKeys, statementKey } from './lean-file-split.ts';

/**
 * The problem registry, indexed by statement text (lean-file-split.ts `declarationKey`: tokens of
 * the target's declaration up to `:=`, so layout and comments do not matter). The Kimina facade
 * uses it to recognise a registered theorem inside a whole-file snippet and check the snippet
 * against the registry's trusted header and statement instead of the snippet's own copy.
 */
export interface StatementIndex {
  /** The problem id whose statement is the first of the text's declarations found in the index, or null. */
  findProblemId(text: string): string | null;
  readonly size: number;
}

export function createStatementIndex(problems: Iterable<{ id: string; formal_statement: string }>): StatementIndex {
  const byKey = new Map<string, string>();
  for (const problem of problems) {
    const key = statementKey(problem.formal_statement);
    // Two problems with the same theorem text: the first wins. Either is checked against a trusted
    // statement with exactly this text, so the choice cannot let a changed statement through.
    if (key !== null && !byKey.has(key)) byKey.set(key, problem.id);
  }
  return {
    size: byKey.size,
    findProblemId(text: string): string | null {
      for (const key of declarationKeys(text)) {
        const id = byKey.get(key);
        if (id !== undefined) return id;
      }
      return null;
    },
  };
}
