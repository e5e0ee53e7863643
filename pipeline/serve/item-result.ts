import type { ProoflineError } from '../errors.ts';
import type { LeanMessage, Verdict } from '../schemas/verdict.ts';
import type { ItemResult, ItemStatus } from './reward-contract.ts';

/**
 * Verdict → ItemResult. `valid` is reward 1 (times the format gate); every rejection reason is its
 * own status with reward 0. Only a verdict can give a number: an infrastructure failure, a missed
 * deadline or an unknown problem has reward null, so no trainer ever learns a 0 from a broken
 * machine or from its own bad request.
 */
export function resultFromVerdict(id: string, verdict: Verdict, format: { isRequired: boolean; isOk: boolean }, isCoalesced: boolean): ItemResult {
  const isValid = verdict.kind === 'accepted';
  const lean = isValid ? 1 : 0;
  const formatScore = format.isRequired ? (format.isOk ? 1 : 0) : null;
  const status: ItemStatus = verdict.kind === 'rejected' && verdict.reason !== null ? verdict.reason : isValid ? (formatScore === 0 ? 'format_error' : 'valid') : 'infrastructure_error';
  return {
    id,
    status,
    reward: lean * (formatScore ?? 1),
    verified: isValid,
    reason: verdict.reason,
    layer: verdict.layer,
    axioms: verdict.axioms,
    messages: verdict.messages,
    feedback: formatFeedback(verdict, status),
    components: { lean, format: formatScore },
    lean_time_s: Math.round(verdict.elapsed_ms) / 1000,
    cached: verdict.cached || isCoalesced,
    error_code: null,
  };
}

/** An item without a verdict: reward null, never 0. */
export function resultWithoutVerdict(id: string, status: 'infrastructure_error' | 'deadline_exceeded' | 'unknown_problem', reason: string, errorCode: string | null = null): ItemResult {
  return {
    id,
    status,
    reward: null,
    verified: false,
    reason,
    layer: null,
    axioms: null,
    messages: [],
    feedback: '',
    components: { lean: null, format: null },
    lean_time_s: 0,
    cached: false,
    error_code: errorCode,
  };
}

export function resultFromError(id: string, error: ProoflineError): ItemResult {
  return resultWithoutVerdict(id, 'infrastructure_error', error.message, error.code);
}

/**
 * Feedback for a self-correction turn: what decided, then Lean's error messages with their
 * positions (lines of the assembled file: trusted header + statement + the proof). '' when valid.
 */
export function formatFeedback(verdict: Verdict, status: ItemStatus): string {
  if (status === 'valid') return '';
  if (status === 'format_error') return 'Lean accepted the proof, but the answer does not have the required format: one <think>…</think> block, then one ```lean4 block.';
  const errors = verdict.messages.filter((m) => m.severity === 'error');
  const lines = [`The proof was rejected (${status}): ${verdict.detail}`];
  if (errors.length > 0) {
    lines.push('Lean errors:');
    for (const message of errors.slice(0, 20)) lines.push(describeMessage(message));
    if (errors.length > 20) lines.push(`… and ${errors.length - 20} more error(s)`);
  }
  return lines.join('\n');
}

function describeMessage(message: LeanMessage): string {
  const data = message.data.length > 2000 ? `${message.data.slice(0, 2000)}…` : message.data;
  return `- line ${message.line}, column ${message.column}: ${data.replaceAll('\n', '\n  ')}`;
}

/**
 * The optional format gate (kimina-prover-rl style, simplified): exactly one `<think>…</think>`
 * block, and after it exactly one fenced ```lean4 block.
 */
export function hasRequiredFormat(completion: string): boolean {
  const thinkOpen = completion.split('<think>').length - 1;
  const thinkClose = completion.split('</think>').length - 1;
  if (thinkOpen !== 1 || thinkClose !== 1) return false;
  const afterThink = completion.slice(completion.indexOf('</think>') + '</think>'.length);
  if (completion.indexOf('<think>') > completion.indexOf('</think>')) return false;
  const fences = afterThink.match(/^```lean4[^\S\n]*$/gmu) ?? [];
  return fences.length === 1 && /^```lean4[^\S\n]*\n[\s\S]*?\n```/mu.test(afterThink);
}
