import { afterEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker, type LeanOverrides } from '../../helpers/recorded-lean-checker.ts';

const honest = loadCheckerCases().find((c) => c.file === 'honest/decide_closed_numeral.json')!;

let opened: Awaited<ReturnType<typeof openRecordedLeanChecker>> | null = null;
async function open(overrides: LeanOverrides): Promise<Awaited<ReturnType<typeof openRecordedLeanChecker>>['checker']> {
  opened = await openRecordedLeanChecker({ runner: 'repl', sandbox: 'bwrap', max_attempts: 1, ...overrides });
  return opened.checker;
}
afterEach(async () => {
  await opened?.close();
  opened = null;
});

describe('L3 tells a broken tool from a bad proof', () => {
  it('reports `lean` dying by signal during confirmation as LEAN_CRASHED, not a rejection', async () => {
    const checker = await open({ env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'lean' } });
    const error = await checker.check(honest.input).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
  });

  it('reports a leanchecker that fails on our trusted reference too as LEAN_CRASHED, not kernel_rejected', async () => {
    const checker = await open({ env: { RECORDED_LEAN_FAULT: 'invalid-json-death', RECORDED_LEAN_FAULT_BINS: 'leanchecker' } });
    const error = await checker.check(honest.input).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
  });

  it('reports an auditor that crashes as LEAN_CRASHED', async () => {
    const checker = await open({ env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'proofline-audit' } });
    const error = await checker.check(honest.input).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
  });

  it('does not charge our slow trusted steps to the candidate: a slow auditor is no timeout rejection', async () => {
    const checker = await open({ timeout_ms: 1500, env: { RECORDED_LEAN_AUDIT_MS: '2500' } });
    const verdict = await checker.check(honest.input);
    expect({ kind: verdict.kind, layer: verdict.layer }).toEqual({ kind: 'accepted', layer: 'L3' });
  });
});

describe('REPL memory budget', () => {
  it('decides memory_limit on a fresh process, not on one bloated by earlier candidates', async () => {
    const leaky = { ...honest.input, completion: honest.input.completion.replace(':= by', ':= by\n  -- recorded-lean: fault=leak') };
    const checker = await open({
      memory_limit_mb: 256,
      cache: { enabled: false },
      pool: { size: 1, warm_spares: 0, max_rss_mb: 4096 },
      env: { RECORDED_LEAN_LEAK_MB: '110', RECORDED_LEAN_LEAK_HOLD_MS: '0' },
    });
    const kinds = [];
    for (let i = 0; i < 3; i += 1) kinds.push((await checker.check(leaky)).kind);
    expect(kinds).toEqual(['accepted', 'accepted', 'accepted']);
  }, 90_000); // three full checks, each with its L3 steps, on a shared machine
});
