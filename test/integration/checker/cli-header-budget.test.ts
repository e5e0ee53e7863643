import { afterEach, describe, expect, it } from 'vitest';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker, type LeanOverrides } from '../../helpers/recorded-lean-checker.ts';

// An honest proof under an `import` header: the double charges RECORDED_LEAN_HEADER_MS for the
// import (REPL: once per process; `lean`: once per file) and RECORDED_LEAN_CMD_MS per proof.
const honest = loadCheckerCases().find((c) => c.expected.kind === 'accepted' && c.input.header.startsWith('import'))!;
const timings = { RECORDED_LEAN_HEADER_MS: '2500', RECORDED_LEAN_CMD_MS: '200' };

let opened: Awaited<ReturnType<typeof openRecordedLeanChecker>> | null = null;
async function open(overrides: LeanOverrides): Promise<Awaited<ReturnType<typeof openRecordedLeanChecker>>['checker']> {
  opened = await openRecordedLeanChecker({ sandbox: 'bwrap', confirm: false, ...overrides });
  return opened.checker;
}
afterEach(async () => {
  await opened?.close();
  opened = null;
});

describe.each(['repl', 'cli'] as const)('the budget charges only the candidate (runner %s)', (runner) => {
  it('accepts a proof that takes far less than timeout_ms although the header import alone takes longer', async () => {
    expect(honest, 'the corpus needs an honest case with an import header').toBeDefined();
    const checker = await open({ runner, policy: honest.policy, timeout_ms: 2000, env: timings });
    const verdict = await checker.check(honest.input);
    expect({ kind: verdict.kind, reason: verdict.reason }, verdict.detail).toEqual({ kind: 'accepted', reason: null });
  });

  it('still rejects a proof that itself takes longer than timeout_ms as timeout', async () => {
    const checker = await open({ runner, policy: honest.policy, timeout_ms: 2000, env: { ...timings, RECORDED_LEAN_SLOW_MS: '4000' } });
    const slow = { ...honest.input, completion: honest.input.completion.replace(':= by', ':= by\n  -- recorded-lean: fault=slow') };
    expect(slow.completion).not.toBe(honest.input.completion);
    const verdict = await checker.check(slow);
    expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }, verdict.detail).toEqual({ kind: 'rejected', reason: 'timeout', layer: 'L2' });
  });
});
