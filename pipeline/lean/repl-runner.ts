import { ProoflineError } from '../errors.ts';
import { parsePrintAxioms } from './axioms.ts';
import { printAxiomsCommand, type AssembledCandidate, type ElaborationBudget, type ElaborationResult, type ElaborationRunner } from './elaboration.ts';
import { normalizeReplMessage } from './parse-messages.ts';
import type { ReplPool } from './repl-pool.ts';
import type { ReplMessage } from './repl-protocol.ts';
import type { ReplOutcome, ReplSession } from './repl-session.ts';

/**
 * L2 on the REPL pool: the body runs on the header env of a warm process; then OUR OWN
 * `#print axioms <target>` runs as a separate command on the candidate's env. The candidate's env
 * is never used as a base for anything else.
 */
export class ReplRunner implements ElaborationRunner {
  readonly name = 'repl' as const;
  readonly #pool: ReplPool;

  constructor(pool: ReplPool) {
    this.#pool = pool;
  }

  async elaborate(candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    const session = await this.#pool.acquire(candidate.header);
    const wasSessionUsed = session.checks > 0;
    const result = await this.#elaborateWith(session, candidate, budget);
    if (result.outcome !== 'memory_limit' || !wasSessionUsed) return result;
    // A REPL keeps every earlier candidate's environment, so a used process can cross the limit on
    // memory that is not this candidate's: only a fresh process decides a memory_limit rejection.
    return this.#elaborateWith(await this.#pool.acquireFresh(candidate.header), candidate, budget);
  }

  async #elaborateWith(session: ReplSession, candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    let isHealthy = false;
    try {
      const result = await this.#elaborateOn(session, candidate, budget);
      isHealthy = result.outcome === 'completed';
      return result;
    } finally {
      await this.#pool.release(session, isHealthy);
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #elaborateOn(session: ReplSession, candidate: AssembledCandidate, budget: ElaborationBudget): Promise<ElaborationResult> {
    const started = performance.now();
    const deadline = started + budget.timeoutMs;
    session.checks += 1;
    const body = await session.run({ cmd: candidate.body, env: session.headerEnv }, budget);
    const bodyResponse = expectCommand(body);
    if (bodyResponse === null) return limitResult(body, started);
    const messages = bodyResponse.messages.map((m) => normalizeReplMessage(m, candidate.bodyLineOffset));
    const base = { outcome: 'completed' as const, messages, sorryCount: bodyResponse.sorries.length };
    if (messages.some((m) => m.severity === 'error')) {
      return { ...base, printedAxioms: null, targetMissing: false, elapsedMs: performance.now() - started };
    }
    const remainingMs = Math.max(1, deadline - performance.now());
    const audit = await session.run({ cmd: printAxiomsCommand(candidate.target), env: bodyResponse.env }, { ...budget, timeoutMs: remainingMs });
    const auditResponse = expectCommand(audit);
    if (auditResponse === null) return limitResult(audit, started, messages);
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

function expectCommand(outcome: ReplOutcome): { env: number; messages: ReplMessage[]; sorries: unknown[] } | null {
  if (outcome.kind !== 'response') return null;
  if (outcome.response.kind === 'error') {
    throw new ProoflineError('LEAN_PROTOCOL_ERROR', `The REPL answered with an error instead of elaborating: ${outcome.response.message}`);
  }
  return outcome.response;
}

function limitResult(outcome: ReplOutcome, started: number, messages: ElaborationResult['messages'] = []): ElaborationResult {
  const kind = outcome.kind === 'memory_limit' ? 'memory_limit' : 'timeout';
  return { outcome: kind, messages, elapsedMs: performance.now() - started };
}
