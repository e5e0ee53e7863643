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
  /**
   * The candidate killed Lean twice, the second time on a fresh process, while a canary (a trivial
   * command on the same header and sandbox, fresh process) ran: the crash is the candidate's.
   * Until the canary says so a crash is LEAN_CRASHED (thrown), never this.
   */
  | { outcome: 'crashed'; messages: LeanMessage[]; elapsedMs: number; detail: string }
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

/** The canary: a trivial command that any working Lean answers on any header. */
export const CANARY_COMMAND = 'example : True := trivial';

export interface ElaborationRunner {
  readonly name: 'repl' | 'cli';
  elaborate(candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult>;
  close(): Promise<void>;
}

/**
 * Our own audit command. `_root_.` makes Lean resolve exactly the top-level constant `target`:
 * without it `#print axioms T` resolves `T` in the candidate's scope, so after `open X` (header or a
 * line the policy allows) it also reports `X.T`, and inside a namespace left open `N.T`
 * (`resolveGlobalName` in Lean/ResolveName.lean tries the current namespace, then `_root_`-exact,
 * then the open declarations; `_root_.T` skips the first and last). Lean echoes the RESOLVED name
 * (`'{constName}'` in `printAxiomsOf`, Lean/Elab/Print.lean), escaped (`«1st_thm»`), never with
 * `_root_`: decide-verdict.ts compares that echo with the escaped target.
 * `pp.fullNames` makes Lean print every axiom by its full name even where a header opened its
 * namespace (Lean may print `Classical.choice` as `choice` under `open Classical`), so the
 * exact-name allowlist never has to guess what a short name means.
 *
 * `target` is the escaped full name (`«1st_thm»`, `Foo.bar`).
 */
export function printAxiomsCommand(target: string): string {
  const rooted = target.startsWith('_root_.') ? target : `_root_.${target}`;
  return `set_option pp.fullNames true in\n#print axioms ${rooted}`;
}

/**
 * The marked message a runner reports when Lean printed more than the checker keeps (an error
 * cascade of the candidate's own making): a `lean_error` rejection under both runners.
 */
export const OUTPUT_FLOOD_MESSAGE = {
  severity: 'error' as const,
  line: 0,
  column: 0,
  end_line: null,
  end_column: null,
  data: 'proofline: Lean printed more output than the checker keeps (an error cascade)',
};
