import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { assembleCandidate } from '../../../pipeline/lean/assemble.ts';
import { CliRunner } from '../../../pipeline/lean/cli-runner.ts';
import { locateToolchain } from '../../../pipeline/lean/locate-toolchain.ts';
import { createSandboxDriver } from '../../../pipeline/lean/sandbox/create-sandbox-driver.ts';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker, RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

const honestEmptyHeader = loadCheckerCases().filter((c) => c.policy === 'strict' && c.expected.kind === 'accepted' && c.input.header === '');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('deciding a crash (REPL runner)', () => {
  it('decides a crash that does not reproduce on a fresh process by the fresh run (never crashes_lean, never an error)', async () => {
    // Each process answers its header and one candidate (body + axiom query), then dies on every later cmd.
    const opened = await openRecordedLeanChecker({ runner: 'repl', confirm: false, pool: { size: 1 }, env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_AFTER: '3', RECORDED_LEAN_FAULT_BINS: 'repl' } });
    cleanups.push(opened.close);
    const [first, second] = honestEmptyHeader;
    expect(second, 'the corpus needs two honest core-Lean cases').toBeDefined();
    expect((await opened.checker.check(first!.input)).kind).toBe('accepted');
    const verdict = await opened.checker.check(second!.input);
    expect({ kind: verdict.kind, reason: verdict.reason }, verdict.detail).toEqual({ kind: 'accepted', reason: null });
    expect(opened.checker.stats.errors).toBe(0);
    expect(opened.checker.stats.retries).toBe(0);
  });
});

describe('deciding a crash (cli runner)', () => {
  it('reports LEAN_CRASHED, not crashes_lean, when the canary crashes too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proofline-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const toolchain = await locateToolchain({ home: RECORDED_LEAN_HOME, repoRoot: REPO_ROOT });
    // A `lean` whose first run (the header-only compile) works and every later run dies by SIGSEGV:
    // a machine that broke after start-up, so the canary dies like the candidate.
    const wrapper = join(dir, 'lean');
    const counter = join(dir, 'runs');
    await writeFile(
      wrapper,
      `#!/bin/sh\nn=$(cat "${counter}" 2>/dev/null || echo 0)\necho $((n + 1)) > "${counter}"\nif [ "$n" -ge 1 ]; then ulimit -c 0; kill -SEGV $$; fi\nexec "${toolchain.leanBin}" "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    const runner = new CliRunner({ toolchain: { ...toolchain, leanBin: wrapper }, driver: createSandboxDriver({ sandbox: 'none', container: { engine: 'docker', image: 'unused' } }), tmpRoot: dir, headerTimeoutMs: 20_000 });
    const honest = honestEmptyHeader[0]!;
    const extracted = extractProof(honest.input.completion, honest.input.formal_statement, honest.input.header);
    if (!extracted.ok) throw new Error(extracted.detail);
    const error = await runner.elaborate(assembleCandidate(honest.input, extracted), { timeoutMs: 8000, memoryLimitMb: 512 }).catch((e: unknown) => e);
    expect(isProoflineError(error, 'LEAN_CRASHED'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/canary .* failed too \(exit null, signal SIGSEGV\)/);
    // Header measurement, the candidate twice, the canary.
    expect(Number((await readFile(counter, 'utf8')).trim())).toBe(4);
  });
});
