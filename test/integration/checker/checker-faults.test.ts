import { afterEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker, type LeanOverrides } from '../../helpers/recorded-lean-checker.ts';

const honest = loadCheckerCases().find((c) => c.policy === 'strict' && c.expected.kind === 'accepted' && c.input.header === '');
const problem = { header: '', formal_statement: 'theorem fault_probe (n : Nat) : n + 0 = n := by sorry' };
const withFault = (mode: string): typeof problem & { completion: string } => ({ ...problem, completion: `by\n  -- recorded-lean: fault=${mode}\n  simp` });

let opened: Awaited<ReturnType<typeof openRecordedLeanChecker>> | null = null;
async function open(overrides: LeanOverrides): Promise<Awaited<ReturnType<typeof openRecordedLeanChecker>>['checker']> {
  opened = await openRecordedLeanChecker({ sandbox: 'bwrap', ...overrides });
  return opened.checker;
}
afterEach(async () => {
  await opened?.close();
  opened = null;
});

describe.each(['repl', 'cli'] as const)('checker failure handling (runner %s)', (runner) => {
  it('reports a hang as rejected/timeout at L2, then checks the next candidate normally', async () => {
    const checker = await open({ runner, timeout_ms: 8000 });
    const started = performance.now();
    const verdict = await checker.check(withFault('hang'));
    expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }).toEqual({ kind: 'rejected', reason: 'timeout', layer: 'L2' });
    expect(performance.now() - started).toBeLessThan(15000);
    expect(honest, 'the corpus needs an honest core-Lean case').toBeDefined();
    const next = await checker.check(honest!.input);
    expect(next.kind).toBe('accepted');
  });

  it('rejects a candidate that crashes Lean again on a fresh process while a canary runs as crashes_lean at L2', async () => {
    const checker = await open({ runner, max_attempts: 2 });
    const verdict = await checker.check(withFault('crash-signal'));
    expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }).toEqual({ kind: 'rejected', reason: 'crashes_lean', layer: 'L2' });
    expect(verdict.detail).toMatch(/SIGSEGV/);
    expect(checker.stats.errors).toBe(0);
    const next = await checker.check(honest!.input);
    expect(next.kind).toBe('accepted');
  });

  it('turns a crash that the canary shares (the machine, not the candidate) into LEAN_CRASHED after max_attempts, never into a verdict', async () => {
    // Every cmd after the first (the header import) crashes, the canary's too.
    const checker = await open({ runner, max_attempts: 2, env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_AFTER: '1', RECORDED_LEAN_FAULT_BINS: 'repl,lean' } });
    const error = await checker.check({ ...problem, completion: 'by\n  simp' }).then(
      (verdict) => verdict,
      (e: unknown) => e,
    );
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
    expect(checker.stats.retries).toBe(1);
    expect(checker.stats.errors).toBe(1);
  });

  it('reports output that is not the documented JSON as a retryable LEAN_OUTPUT_UNPARSEABLE or LEAN_CRASHED error', async () => {
    const checker = await open({ runner, max_attempts: 1 });
    const error = await checker.check(withFault('garbage')).catch((e: unknown) => e);
    expect(isProoflineError(error), String(error)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });

  it('rejects a candidate that exceeds the memory budget as memory_limit', async () => {
    const checker = await open({ runner, memory_limit_mb: 250, timeout_ms: 8000 });
    const verdict = await checker.check(withFault('leak'));
    expect({ kind: verdict.kind, reason: verdict.reason }).toEqual({ kind: 'rejected', reason: 'memory_limit' });
  });
});

describe('checker failure handling (REPL protocol)', () => {
  it('treats the REPL dying on invalid JSON mid-response as LEAN_CRASHED when the canary dies too', async () => {
    const checker = await open({ runner: 'repl', max_attempts: 1, env: { RECORDED_LEAN_FAULT: 'invalid-json-death', RECORDED_LEAN_FAULT_AFTER: '1' } });
    const error = await checker.check({ ...problem, completion: 'by\n  simp' }).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
  });

  it('rejects a response past the 64 MiB cap as lean_error with a marked message, kills only that process, and a concurrent check still succeeds', async () => {
    const checker = await open({ runner: 'repl', pool: { size: 2 } });
    const [flooded, concurrent] = await Promise.all([checker.check(withFault('flood')), checker.check(honest!.input)]);
    expect({ kind: flooded.kind, reason: flooded.reason, layer: flooded.layer }).toEqual({ kind: 'rejected', reason: 'lean_error', layer: 'L2' });
    expect(flooded.messages.map((m) => m.data)).toEqual(['proofline: Lean printed more output than the checker keeps (an error cascade)']);
    expect(concurrent.kind).toBe('accepted');
    expect(checker.stats.errors).toBe(0);
  });

  it('treats an empty response block (Kimina #66) as LEAN_OUTPUT_UNPARSEABLE', async () => {
    const checker = await open({ runner: 'repl', max_attempts: 1 });
    const error = await checker.check(withFault('empty')).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_OUTPUT_UNPARSEABLE'), String(error)).toBe(true);
  });
});

describe('verdict cache', () => {
  it('checks identical candidates arriving concurrently once', async () => {
    const checker = await open({ runner: 'repl' });
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => checker.check(honest!.input)));
    expect(verdicts.map((v) => v.kind)).toEqual(Array(8).fill('accepted'));
    expect(verdicts.filter((v) => v.cached)).toHaveLength(7);
    expect(checker.stats.leanInvocations).toBe(1);
  });

  it('never caches an infrastructure error as an answer', async () => {
    const checker = await open({ runner: 'repl', max_attempts: 1 });
    await expect(checker.check(withFault('garbage'))).rejects.toThrow();
    await expect(checker.check(withFault('garbage'))).rejects.toThrow();
    expect(checker.stats.leanInvocations).toBe(2);
  });
});

describe('toolchain discovery', () => {
  it('fails fast with LEAN_NOT_FOUND and says how to install when the home has no toolchain', async () => {
    const error = await openRecordedLeanChecker({ home: '/nonexistent/lean-home' }).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toMatch(/setup:lean/);
  });
});
