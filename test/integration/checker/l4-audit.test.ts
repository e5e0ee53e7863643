import { join } from 'node:path';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker, REPO_ROOT, type LeanOverrides } from '../../helpers/recorded-lean-checker.ts';

const FAKE_KERNEL = join(REPO_ROOT, 'test', 'fixtures', 'bin', 'fake-independent-kernel.mjs');
const honest = loadCheckerCases().find((c) => c.file === 'honest/decide_closed_numeral.json')!;

let opened: Awaited<ReturnType<typeof openRecordedLeanChecker>> | null = null;
async function open(overrides: LeanOverrides): Promise<Awaited<ReturnType<typeof openRecordedLeanChecker>>['checker']> {
  opened = await openRecordedLeanChecker({ runner: 'repl', sandbox: 'bwrap', ...overrides });
  return opened.checker;
}
afterEach(async () => {
  await opened?.close();
  opened = null;
});

describe('L4 sampled audits', () => {
  it('re-checks a sampled accept with the independent kernel, in the sandbox, on the module L3 compiled', async () => {
    const checker = await open({ l4: { sample_rate: 1, kernel_command: [process.execPath, FAKE_KERNEL, 'accept', '{olean}'] } });
    const verdict = await checker.check(honest.input);
    expect({ kind: verdict.kind, layer: verdict.layer, audited: verdict.provenance.l4_audited }, verdict.detail).toEqual({ kind: 'accepted', layer: 'L4', audited: true });
  });

  it('turns an independent kernel rejection into rejected/kernel_rejected at L4', async () => {
    const checker = await open({ l4: { sample_rate: 1, kernel_command: [process.execPath, FAKE_KERNEL, 'reject', '{olean}'] } });
    const verdict = await checker.check(honest.input);
    expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }).toEqual({ kind: 'rejected', reason: 'kernel_rejected', layer: 'L4' });
    expect(verdict.detail).toMatch(/independent kernel/);
  });

  it('reports a kernel that also rejects our trusted reference as a broken tool (LEAN_CRASHED), never a rejection', async () => {
    const checker = await open({ max_attempts: 1, l4: { sample_rate: 1, kernel_command: [process.execPath, FAKE_KERNEL, 'broken', '{olean}'] } });
    const error = await checker.check(honest.input).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
  });

  it('leaves unsampled accepts at L3 and says so in the provenance', async () => {
    const checker = await open({ l4: { sample_rate: 0, kernel_command: [process.execPath, FAKE_KERNEL, 'reject', '{olean}'] } });
    const verdict = await checker.check(honest.input);
    expect({ kind: verdict.kind, layer: verdict.layer, audited: verdict.provenance.l4_audited }).toEqual({ kind: 'accepted', layer: 'L3', audited: false });
  });

  it('logs the constructs of accepted proofs only (the drift signal)', async () => {
    const checker = await open({});
    await checker.check(honest.input);
    const rejected = loadCheckerCases().find((c) => c.policy === 'strict' && c.expected.kind === 'rejected' && c.expected.layer === 'L2')!;
    await checker.check(rejected.input);
    expect(checker.constructs.acceptedProofs).toBe(1);
    expect(checker.constructs.top().map(([name]) => name)).toContain('decide');
  });
});
