import { describe, expect, it } from 'vitest';
import { classifyKernelReplay } from '../../../pipeline/lean/confirm.ts';
import type { RunResult } from '../../../pipeline/lean/lean-process.ts';

function exited(code: number | null, stderr: string, signal: NodeJS.Signals | null = null): RunResult {
  return { stdout: '', stderr, exitCode: code, signal, timedOut: false, memoryExceeded: false, outputExceeded: false, elapsedMs: 10, peakRssMb: 50 };
}

/** Failure texts as leanchecker prints them (leanprover/lean4 tests/pkg/leanchecker, lean4checker tests). */
describe('classifyKernelReplay', () => {
  it('accepts a clean replay (exit 0, nothing printed)', () => {
    expect(classifyKernelReplay(exited(0, ''), 'Candidate')).toEqual({ kind: 'accepted' });
  });

  it.each([
    ['AddFalse (v4.2x form)', "leanchecker found a problem in Candidate\nuncaught exception: (kernel) declaration type mismatch, 'false' has type\n  Prop\nbut it is expected to have type\n  False\n", "(kernel) declaration type mismatch, 'false' has type"],
    ['AddFalse (while replaying)', "leanchecker found a problem in Candidate\nuncaught exception: while replaying declaration 'false':\n(kernel) declaration type mismatch, 'false' has type\n  Prop\n", "(kernel) declaration type mismatch, 'false' has type"],
    ['AddFalse (nested uncaught)', "leanchecker found a problem in Candidate\nuncaught exception: while replaying declaration 'false':\nuncaught exception: (kernel) declaration type mismatch, 'false' has type\n", "(kernel) declaration type mismatch, 'false' has type"],
    ['ReplaceAxiom', 'leanchecker found a problem in Candidate\nuncaught exception: (kernel) application type mismatch\n  False.elim @propext\n', '(kernel) application type mismatch'],
    ['AddFalseConstructor', 'leanchecker found a problem in Candidate\nuncaught exception: No such constructor False.intro\n', 'No such constructor False.intro'],
    ['NativeDecide', "leanchecker found a problem in Candidate\nuncaught exception: (kernel) (interpreter) unknown declaration 'nat_dec._nativeDecide_1_1'\n", "(kernel) (interpreter) unknown declaration 'nat_dec._nativeDecide_1_1'"],
  ])('counts a reported kernel error as one: %s', (_name, stderr, error) => {
    expect(classifyKernelReplay(exited(1, stderr), 'Candidate')).toEqual({ kind: 'kernel_error', error });
  });

  it.each([
    ['a missing module', 'uncaught exception: Could not find any oleans for: Candidate\n'],
    ['an unreadable olean', "leanchecker found a problem in Candidate\nuncaught exception: failed to read file '/t/Candidate.olean', invalid header\n"],
    ['a missing import', "leanchecker found a problem in Candidate\nuncaught exception: object file '/t/Planted.olean' of module Planted does not exist\n"],
    ["Lean's out-of-memory panic at the RLIMIT_DATA cap", 'INTERNAL PANIC: out of memory\n'],
    ['a kernel recursion limit', 'leanchecker found a problem in Candidate\nuncaught exception: (kernel) deep recursion detected\n'],
    ['a kernel heartbeat limit', "leanchecker found a problem in Candidate\nuncaught exception: while replaying declaration 't':\n(kernel) deterministic timeout\n"],
    ['another module\'s problem', 'leanchecker found a problem in Reference\nuncaught exception: (kernel) declaration type mismatch\n'],
  ])('calls %s a failed run, not a kernel error', (_name, stderr) => {
    expect(classifyKernelReplay(exited(1, stderr), 'Candidate').kind).toBe('failed');
  });

  it('calls a stack overflow (abort) a failed run', () => {
    expect(classifyKernelReplay(exited(null, 'Stack overflow detected. Aborting.\n', 'SIGABRT'), 'Candidate')).toEqual({ kind: 'failed', why: 'killed by SIGABRT' });
  });
});
