import { describe, expect, it } from 'vitest';
import { formatFeedback, hasRequiredFormat, resultFromVerdict } from '../../../pipeline/serve/item-result.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';

const verdict = (over: Partial<Verdict>): Verdict => ({
  kind: 'rejected', reason: 'lean_error', detail: 'Lean reported 1 error', layer: 'L2', axioms: null,
  messages: [{ severity: 'error', line: 3, column: 2, end_line: 3, end_column: 8, data: 'unsolved goals\n⊢ False' }, { severity: 'warning', line: 4, column: 0, end_line: null, end_column: null, data: 'unused variable' }],
  elapsed_ms: 1234, cached: false, timings: {},
  provenance: { checker_version: '0.1.0', toolchain: '4.33.0', mathlib_rev: null, policy: { name: 'strict', version: '1' }, budget: { timeout_ms: 1, memory_limit_mb: 1 }, runner: 'repl', sandbox: 'none', confirmed: false, l4_audited: false },
  ...over,
});

describe('verdict → item result', () => {
  it('maps an accept to valid/1 and each rejection to its reason with reward 0', () => {
    expect(resultFromVerdict('a', verdict({ kind: 'accepted', reason: null, layer: 'L3', messages: [] }), { isRequired: false, isOk: false }, false)).toMatchObject({ status: 'valid', reward: 1, verified: true, feedback: '', lean_time_s: 1.234, components: { lean: 1, format: null } });
    for (const reason of ['lean_error', 'sorry', 'forbidden_axiom', 'timeout', 'memory_limit', 'kernel_rejected', 'statement_mismatch', 'banned_construct', 'no_proof', 'crashes_lean'] as const) {
      expect(resultFromVerdict('r', verdict({ reason }), { isRequired: false, isOk: false }, false)).toMatchObject({ status: reason, reward: 0, verified: false, reason });
    }
  });

  it('multiplies by the format gate when required and marks joined duplicates as cached', () => {
    const accepted = verdict({ kind: 'accepted', reason: null, messages: [] });
    expect(resultFromVerdict('a', accepted, { isRequired: true, isOk: false }, true)).toMatchObject({ status: 'format_error', reward: 0, verified: true, cached: true, components: { lean: 1, format: 0 } });
    expect(resultFromVerdict('a', accepted, { isRequired: true, isOk: true }, false)).toMatchObject({ status: 'valid', reward: 1, components: { lean: 1, format: 1 } });
  });

  it("formats Lean's errors (not warnings) with positions for a self-correction turn", () => {
    expect(formatFeedback(verdict({}), 'lean_error')).toBe('The proof was rejected (lean_error): Lean reported 1 error\nLean errors:\n- line 3, column 2: unsolved goals\n  ⊢ False');
  });

  it('accepts exactly one think block followed by exactly one lean4 block', () => {
    expect(hasRequiredFormat('<think>plan</think>\n```lean4\nsimp\n```')).toBe(true);
    expect(hasRequiredFormat('```lean4\nsimp\n```')).toBe(false);
    expect(hasRequiredFormat('<think>a</think><think>b</think>\n```lean4\nsimp\n```')).toBe(false);
    expect(hasRequiredFormat('<think>a</think>\n```lean4\nsimp\n```\n```lean4\nring\n```')).toBe(false);
    expect(hasRequiredFormat('```lean4\nsimp\n```<think>a</think>')).toBe(false);
  });
});
