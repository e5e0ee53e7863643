import type { Layer, LeanMessage, RejectionReason } from '../schemas/verdict.ts';
import { classifyAxioms } from './axioms.ts';
import type { ElaborationResult } from './elaboration.ts';

export interface Decision {
  kind: 'accepted' | 'rejected';
  reason: RejectionReason | null;
  layer: Layer;
  detail: string;
  axioms: string[] | null;
}

/**
 * L2's verdict from what Lean reported. Accept only when: no error message, the target exists,
 * our `#print axioms` answered for exactly that target, and its closure is a subset of the allowed
 * axioms by exact name. `sorry` is decided by the closure (sorryAx), never by a warning's text.
 */
export function decideElaboration(result: ElaborationResult, target: string, allowedAxioms: readonly string[]): Decision {
  if (result.outcome === 'crashed') return reject('crashes_lean', result.detail, null);
  if (result.outcome !== 'completed') {
    return result.outcome === 'timeout'
      ? reject('timeout', `Lean did not finish within the budget (${Math.round(result.elapsedMs)} ms)`, null)
      : reject('memory_limit', 'Lean exceeded the memory budget and was killed', null);
  }
  const firstError = result.messages.find((m) => m.severity === 'error');
  if (firstError !== undefined) {
    return reject('lean_error', `Lean error at line ${firstError.line}, column ${firstError.column}: ${firstLine(firstError)}`, null);
  }
  if (result.targetMissing) {
    return reject('lean_error', `The target theorem \`${target}\` was not declared by the compiled candidate`, null);
  }
  if (result.printedAxioms === null) {
    // Missing audit output is a rejection, never an accept (exploit classes 12 and 13).
    return reject('lean_error', `No \`#print axioms ${target}\` report came back for the compiled candidate`, null);
  }
  if (result.printedAxioms.target !== target) {
    return reject('lean_error', `The axiom report names \`${result.printedAxioms.target}\`, expected the target \`${target}\``, null);
  }
  const { axioms } = result.printedAxioms;
  const classified = classifyAxioms(axioms, allowedAxioms, target);
  if (classified.sorry || result.sorryCount > 0) {
    return reject('sorry', `The proof of \`${target}\` depends on sorryAx`, axioms);
  }
  if (classified.forbidden.length > 0) {
    return reject('forbidden_axiom', `The proof of \`${target}\` depends on forbidden axioms: ${classified.forbidden.join(', ')}`, axioms);
  }
  return { kind: 'accepted', reason: null, layer: 'L2', detail: `Lean accepted \`${target}\`; axioms: ${axioms.length === 0 ? 'none' : axioms.join(', ')}`, axioms };
}

function reject(reason: RejectionReason, detail: string, axioms: string[] | null): Decision {
  return { kind: 'rejected', reason, layer: 'L2', detail, axioms };
}

function firstLine(message: LeanMessage): string {
  const line = message.data.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
