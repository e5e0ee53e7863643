import { isProoflineError, ProoflineError } from '../errors.ts';
import { parsePrintAxioms } from './axioms.ts';
import {
  CANARY_COMMAND,
  OUTPUT_FLOOD_MESSAGE,
  printAxiomsCommand,
  type AssembledCandidate,
  type ElaborationBudget,
  type ElaborationResult,
  type ElaborationRunner,
} from './elaboration.ts';
import { normalizeReplMessage } from './parse-messages.ts';
import type { ReplPool } from './repl-pool.ts';
import type { ReplMessage, ReplResponse } from './repl-protocol.ts';
import type { ReplOutcome, ReplSession } from './repl-session.ts';

/** One check on one session: Lean's result, or Lean died while working on the candidate. */
type Attempt = { kind: 'result'; result: ElaborationResult } | { kind: 'crashed'; error: ProoflineError };

/**
 * L2 on the REPL pool: the body runs on the header env of a warm process; then OUR OWN
 * `#print axioms <target>` runs as a separate command on the candidate's env. The candidate's env
 * is never used as a base for anything else, and a candidate with auxiliary code (which may run
 * code at elaboration time: attributes, instances) retires its process after its check.
 */
export class ReplRunner implements ElaborationRunner {
  readonly name = 'repl' as const;
  readonly #pool: ReplPool;

  constructor(pool: ReplPool) {
    this.#pool = pool;
  }

  async elaborate(candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    const started = performance.now();
    const session = await this.#pool.acquire(candidate.header);
    const wasSessionUsed = session.checks > 0;
    const first = await this.#attempt(session, candidate, budget);
    if (first.kind === 'crashed') return this.#decideCrash(candidate, budget, started);
    if (first.result.outcome !== 'memory_limit' || !wasSessionUsed) return first.result;
    // A REPL keeps every earlier candidate's environment, so a used process can cross the limit on
    // memory that is not this candidate's: only a fresh process decides a memory_limit rejection.
    const again = await this.#attempt(await this.#pool.acquireFresh(candidate.header), candidate, budget);
    return again.kind === 'crashed' ? this.#decideCrash(candidate, budget, started) : again.result;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  /**
   * Lean died while working on the candidate. That may be an earlier candidate's doing (a used
   * process) or the machine's, so: once more on a fresh process, and if it dies again, a canary on
   * another fresh process. Only when the canary runs is the crash the candidate's (`crashed`, a
   * rejection); otherwise it is LEAN_CRASHED, retried and reported like any broken machine.
   */
  async #decideCrash(candidate: AssembledCandidate, budget: ElaborationBudget, started: number): Promise<ElaborationResult> {
    const again = await this.#attempt(await this.#pool.acquireFresh(candidate.header), candidate, budget);
    if (again.kind === 'result') return again.result;
    // A SIGKILL we did not send (ours end a timeout or memory overrun, reported as such) is the
    // host's — the OOM killer picks the largest process — and never the candidate's crash.
    if (again.error.details.signal === 'SIGKILL') throw again.error;
    const canaryFailure = await this.#runCanary(candidate.header, budget);
    if (canaryFailure !== null) {
      throw new ProoflineError('LEAN_CRASHED', `${again.error.message}; a canary (\`${CANARY_COMMAND}\`) on a fresh process failed too: ${canaryFailure.message}`, {
        cause: again.error,
        details: { ...again.error.details, canary: canaryFailure.code },
      });
    }
    return {
      outcome: 'crashed',
      messages: [],
      elapsedMs: performance.now() - started,
      detail: `Lean crashed on this candidate twice, the second time on a fresh process, while \`${CANARY_COMMAND}\` ran on the same header: ${firstLine(again.error.message)}`,
    };
  }

  /** Null when a fresh process imported the header and answered the canary; else why not. */
  async #runCanary(header: string, budget: ElaborationBudget): Promise<ProoflineError | null> {
    let session: ReplSession;
    try {
      session = await this.#pool.acquireFresh(header);
    } catch (error) {
      return asProoflineError(error);
    }
    let isAnswered = false;
    try {
      // Its messages do not matter (a header may even shadow `True`): only that Lean answered.
      const outcome = await session.run({ cmd: CANARY_COMMAND, env: session.headerEnv }, budget);
      isAnswered = outcome.kind === 'response';
      return isAnswered ? null : new ProoflineError('LEAN_CRASHED', `The canary hit the ${outcome.kind} on a fresh process`);
    } catch (error) {
      return asProoflineError(error);
    } finally {
      await this.#pool.release(session, isAnswered ? 'reuse' : 'kill');
    }
  }

  /** Runs the candidate on `session` and returns the session to the pool (killed, retired or reused). */
  async #attempt(session: ReplSession, candidate: AssembledCandidate, budget: ElaborationBudget): Promise<Attempt> {
    let fate: 'reuse' | 'retire' | 'kill' = 'kill';
    try {
      const result = await this.#elaborateOn(session, candidate, budget);
      if (result.outcome === 'completed') fate = candidate.hasAuxiliary ? 'retire' : 'reuse';
      return { kind: 'result', result };
    } catch (error) {
      if (isProoflineError(error, 'LEAN_CRASHED')) return { kind: 'crashed', error };
      throw error;
    } finally {
      await this.#pool.release(session, fate);
    }
  }

  async #elaborateOn(session: ReplSession, candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    const started = performance.now();
    const deadline = started + budget.timeoutMs;
    session.checks += 1;
    const body = await session.run({ cmd: candidate.body, env: session.headerEnv }, budget);
    if (body.kind !== 'response') return limitResult(body, started);
    const bodyResponse = expectCommand(body.response);
    const messages = bodyResponse.messages.map((m) => normalizeReplMessage(m, candidate.bodyLineOffset));
    const base = { outcome: 'completed' as const, messages, sorryCount: bodyResponse.sorries.length };
    if (messages.some((m) => m.severity === 'error')) {
      return { ...base, printedAxioms: null, targetMissing: false, elapsedMs: performance.now() - started };
    }
    const remainingMs = Math.max(1, deadline - performance.now());
    const audit = await session.run({ cmd: printAxiomsCommand(candidate.target), env: bodyResponse.env }, { ...budget, timeoutMs: remainingMs });
    if (audit.kind !== 'response') return limitResult(audit, started, messages);
    const auditResponse = expectCommand(audit.response);
    const auditError = auditResponse.messages.find((m) => m.severity === 'error');
    const reports = auditResponse.messages.filter((m) => m.severity === 'info').map((m) => parsePrintAxioms(m.data));
    const printed = reports.find((r) => r !== null) ?? null;
    if (auditError === undefined && printed === null) {
      throw new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', `Expected one \`#print axioms ${candidate.target}\` report, got ${auditResponse.messages.length} message(s) without one`, {
        details: { messages: auditResponse.messages.map((m) => m.data.slice(0, 200)) },
      });
    }
    return { ...base, printedAxioms: auditError === undefined ? printed : null, targetMissing: auditError !== undefined, elapsedMs: performance.now() - started };
  }
}

function expectCommand(response: ReplResponse): { env: number; messages: ReplMessage[]; sorries: unknown[] } {
  if (response.kind === 'error') {
    throw new ProoflineError('LEAN_PROTOCOL_ERROR', `The REPL answered with an error instead of elaborating: ${response.message}`);
  }
  return response;
}

function limitResult(outcome: Exclude<ReplOutcome, { kind: 'response' }>, started: number, messages: ElaborationResult['messages'] = []): ElaborationResult {
  const elapsedMs = performance.now() - started;
  if (outcome.kind === 'output_limit') {
    // Output past the cap is an error cascade of the candidate's making, as under the cli runner.
    return { outcome: 'completed', messages: [...messages, OUTPUT_FLOOD_MESSAGE], sorryCount: 0, printedAxioms: null, targetMissing: false, elapsedMs };
  }
  return { outcome: outcome.kind, messages, elapsedMs };
}

function asProoflineError(error: unknown): ProoflineError {
  return error instanceof ProoflineError ? error : new ProoflineError('CHECKER_INTERNAL', `Unexpected failure while running the canary: ${String(error)}`, { cause: error });
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
