import { tokenize } from './lexer.ts';

/**
 * L4's drift signal: which constructs (identifiers — tactics, lemmas, attributes — and `#`
 * commands) accepted proofs use, counted once per proof. A new exploit that slips past every layer
 * shows up here as a construct that suddenly appears in many accepts; compare runs over time.
 */
export class ConstructLog {
  readonly #counts = new Map<string, number>();
  acceptedProofs = 0;

  /** Records the model-written text (auxiliary + proof) of one accepted candidate. */
  record(modelText: string): void {
    const seen = new Set<string>();
    for (const token of tokenize(modelText).tokens) {
      if (token.kind === 'ident' || token.kind === 'hash') seen.add(token.value);
    }
    this.recordConstructs(seen);
  }

  /** Records one accepted candidate by its constructs, as collected by `lintCandidate`. */
  recordConstructs(constructs: ReadonlySet<string>): void {
    this.acceptedProofs += 1;
    for (const construct of constructs) this.#counts.set(construct, (this.#counts.get(construct) ?? 0) + 1);
  }

  /** Constructs by the number of accepted proofs using them, most used first. */
  top(limit = Number.POSITIVE_INFINITY): [string, number][] {
    return [...this.#counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
  }

  toJSON(): { accepted_proofs: number; constructs: Record<string, number> } {
    return { accepted_proofs: this.acceptedProofs, constructs: Object.fromEntries(this.top()) };
  }
}
