import { ProoflineError } from '../../errors.ts';
import type { ItemResult } from '../reward-contract.ts';

/**
 * The two ways a trainer adapter refuses to answer with rewards. Both are thrown, never turned
 * into a reply inside a route: the app's error handler maps them to HTTP. Each carries
 * `statusCode` (and `headers`), so fastify's own default handler maps them the same way.
 */

/** A request that does not match the trainer's wire shape: 400 naming the field. */
export class InvalidFieldError extends ProoflineError {
  readonly statusCode = 400;
  /** The offending field as a path (`labels[3]`, `extra_info.problem_id`, `x-proofline-timeout-s`). */
  readonly field: string;

  constructor(field: string, message: string) {
    super('INPUT_INVALID', `${field}: ${message}`, { details: { field } });
    this.field = field;
  }
}

/** Seconds a trainer should wait before retrying a request that got no verdicts. */
export const NO_VERDICT_RETRY_AFTER_S = 2;

/**
 * Some (or all) items have no verdict (`infrastructure_error`, `deadline_exceeded`): 503 with
 * `Retry-After`. Used where the trainer's wire has no way to say "no reward for this item"
 * (OpenRLHF, Kimina, Bedrock RFT: retrying is cheap, every verdict already reached is cached), and
 * by every adapter when no item at all got a verdict. Never a reward of 0.
 */
export class NoVerdictError extends Error {
  override readonly name = 'NoVerdictError';
  readonly code = 'NO_VERDICT';
  readonly statusCode = 503;
  readonly retryable = true;
  readonly headers: Record<string, string>;
  /** Per-status counts of the items without a verdict, and their ProoflineError codes. */
  readonly details: { without_verdict: number; items: number; statuses: Record<string, number>; error_codes: string[] };

  constructor(results: readonly ItemResult[], retryAfterS = NO_VERDICT_RETRY_AFTER_S) {
    const missing = results.filter((r) => r.reward === null);
    const statuses: Record<string, number> = {};
    for (const r of missing) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const errorCodes = [...new Set(missing.map((r) => r.error_code).filter((c): c is string => c !== null))].sort();
    const summary = Object.entries(statuses).map(([s, n]) => `${n} ${s}`).join(', ');
    super(
      `Expected a verdict for every item, but ${missing.length} of ${results.length} have none (${summary}` +
        `${errorCodes.length > 0 ? `; codes ${errorCodes.join(', ')}` : ''}); retry after ${retryAfterS} s`,
    );
    this.headers = { 'retry-after': String(retryAfterS) };
    this.details = { without_verdict: missing.length, items: results.length, statuses, error_codes: errorCodes };
  }

  toJSON(): { code: string; message: string; retryable: boolean; details: NoVerdictError['details'] } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** No verdict because the machine failed or time ran out (not because of the proof or the request). */
export function isInfrastructureFailure(result: ItemResult): boolean {
  return result.status === 'infrastructure_error' || result.status === 'deadline_exceeded';
}

/**
 * For wires without a per-item skip (OpenRLHF, Kimina, Bedrock RFT): an unknown problem id is the
 * caller's mistake (400 naming `fieldOf(index)`, retrying cannot help); any item without a verdict
 * makes the whole request 503 so the trainer retries.
 */
export function requireEveryVerdict(results: readonly ItemResult[], fieldOf: (index: number) => string): void {
  const unknown = results.findIndex((r) => r.status === 'unknown_problem');
  if (unknown >= 0) throw new InvalidFieldError(fieldOf(unknown), `expected a problem id from the problem registry, got one it does not hold (${(results[unknown] as ItemResult).reason ?? 'unknown_problem'})`);
  if (results.some((r) => r.reward === null)) throw new NoVerdictError(results);
}

/** For wires with a per-item skip (verl status, TRL None): 503 only when no item has a verdict for infrastructure reasons. */
export function requireSomeVerdict(results: readonly ItemResult[]): void {
  if (results.length > 0 && results.every(isInfrastructureFailure)) throw new NoVerdictError(results);
}
