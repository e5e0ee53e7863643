import type { AssembledCandidate } from './assemble.ts';
import type { LeanMessage } from '../schemas/verdict.ts';
import type { PrintedAxioms } from './axioms.ts';

/** A candidate as the runners see it: assembled by us (L0, assemble.ts) and passed by the lexical gate (L1). */
export type { AssembledCandidate };

export interface ElaborationBudget {
  timeoutMs: number;
  memoryLimitMb: number;
}

/**
 * What a runner observed while Lean elaborated one candidate (L2). It states facts; the verdict is
 * decided in one place, decide-verdict.ts, so that both runners decide identically.
 * A runner THROWS ProoflineError for infrastructure failures (crash, protocol, spawn).
 */
export type ElaborationResult =
  | { outcome: 'timeout' | 'memory_limit'; messages: LeanMessage[]; elapsedMs: number }
  | {
      outcome: 'completed';
      /** Messages of the candidate itself, in file coordinates (our audit command's are not here). */
      messages: LeanMessage[];
      /** Sorries the REPL found syntactically (0 for the CLI runner, which has no such list). */
      sorryCount: number;
      /**
       * What our own `#print axioms <target>` said: null when it was not run (the candidate had
       * errors) or when Lean reported the target unknown (see `targetMissing`).
       */
      printedAxioms: PrintedAxioms | null;
      targetMissing: boolean;
      elapsedMs: number;
    };

export interface ElaborationRunner {
  readonly name: 'repl' | 'cli';
  elaborate(candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult>;
  close(): Promise<void>;
}

/**
 * Our own audit command. `pp.fullNames` makes Lean print every axiom by its full name even where a
 * header opened its namespace (Lean may print `Classical.choice` as `choice` under
 * `open Classical`), so the exact-name allowlist never has to guess what a short name means.
 */
export function printAxiomsCommand(target: string): string {
  return `set_option pp.fullNames true in\n#print axioms ${target}`;
}
