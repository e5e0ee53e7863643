import { describe, expect, it } from 'vitest';
import { decideElaboration } from '../../../pipeline/lean/decide-verdict.ts';
import { printAxiomsCommand } from '../../../pipeline/lean/elaboration.ts';

const ALLOWED = ['propext', 'Classical.choice', 'Quot.sound'];

describe('printAxiomsCommand', () => {
  it('asks for the top-level constant through _root_, so neither an open nor an enclosing namespace can redirect the query', () => {
    expect(printAxiomsCommand('succ_ne_zero')).toBe('set_option pp.fullNames true in\n#print axioms _root_.succ_ne_zero');
  });

  it('keeps an escaped or dotted target as one identifier', () => {
    expect(printAxiomsCommand('«1st_thm»')).toBe('set_option pp.fullNames true in\n#print axioms _root_.«1st_thm»');
    expect(printAxiomsCommand('Foo.bar')).toBe('set_option pp.fullNames true in\n#print axioms _root_.Foo.bar');
  });

  it('does not prefix a target that is already rooted', () => {
    expect(printAxiomsCommand('_root_.t')).toBe('set_option pp.fullNames true in\n#print axioms _root_.t');
  });
});

describe('decideElaboration', () => {
  const completed = (target: string) => ({ outcome: 'completed' as const, messages: [], sorryCount: 0, printedAxioms: { target, axioms: [] }, targetMissing: false, elapsedMs: 1 });

  it('accepts when Lean echoes the escaped target (Lean prints the resolved name, without _root_)', () => {
    expect(decideElaboration(completed('«1st_thm»'), '«1st_thm»', ALLOWED).kind).toBe('accepted');
  });

  it('rejects a report about another constant as lean_error', () => {
    expect(decideElaboration(completed('Nat.succ_ne_zero'), 'succ_ne_zero', ALLOWED).reason).toBe('lean_error');
  });

  it('turns a crash the canary pinned on the candidate into crashes_lean at L2', () => {
    const decision = decideElaboration({ outcome: 'crashed', messages: [], elapsedMs: 5, detail: 'Lean crashed (signal SIGSEGV)' }, 't', ALLOWED);
    expect({ kind: decision.kind, reason: decision.reason, layer: decision.layer, detail: decision.detail }).toEqual({
      kind: 'rejected', reason: 'crashes_lean', layer: 'L2', detail: 'Lean crashed (signal SIGSEGV)',
    });
  });
});
