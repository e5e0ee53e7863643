import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { assembleCandidate } from '../../../pipeline/lean/assemble.ts';
import { runLeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { locateToolchain } from '../../../pipeline/lean/locate-toolchain.ts';
import { setProcOpenForTesting } from '../../../pipeline/lean/process-tree.ts';
import { ReplSession } from '../../../pipeline/lean/repl-session.ts';
import { createSandboxDriver } from '../../../pipeline/lean/sandbox/create-sandbox-driver.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

/**
 * When the memory watch cannot read /proc (EMFILE on a low fd limit), the tree's memory is
 * unknown: the process is killed and the failure is an infrastructure error (CHECKER_INTERNAL),
 * never a memory-limit result, a timeout, or a sample of 0 MiB that lets the tree grow unbounded.
 */
const emfile = (): never => {
  throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
};

const honest = loadCheckerCases().find((c) => c.file === 'honest/decide_closed_numeral.json')!;
const extracted = extractProof(honest.input.completion, honest.input.formal_statement, honest.input.header);
if (!extracted.ok) throw new Error('the honest fixture must extract');
const candidate = assembleCandidate(honest.input, extracted);

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  setProcOpenForTesting(undefined);
  await cleanup?.();
  cleanup = null;
});

describe('a failing memory watch', () => {
  it('ends a one-shot run with CHECKER_INTERNAL and kills it, long before its wall clock', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'watch-failure-'));
    cleanup = () => rm(workDir, { recursive: true, force: true });
    setProcOpenForTesting(emfile);
    const started = Date.now();
    const run = runLeanProcess('sleep', ['30'], {
      driver: createNoneDriver(),
      spec: { readOnlyPaths: [], writablePaths: [workDir], cwd: workDir, env: { PATH: '/usr/bin:/bin' }, memoryLimitMb: 4096, cpuLimitSeconds: null },
      timeoutMs: 20_000,
      memoryLimitMb: 256,
      rssPollMs: 50,
    });
    await expect(run).rejects.toMatchObject({ name: 'ProoflineError', code: 'CHECKER_INTERNAL', retryable: true, details: { errno: 'EMFILE' } });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails the REPL request in flight (the header import) with CHECKER_INTERNAL, not memory_limit or a timeout', async () => {
    const tmpRoot = await mkdtemp(join(tmpdir(), 'watch-failure-repl-'));
    cleanup = () => rm(tmpRoot, { recursive: true, force: true });
    const toolchain = await locateToolchain({ home: RECORDED_LEAN_HOME, repoRoot: REPO_ROOT });
    const driver = createSandboxDriver({ sandbox: 'bwrap', container: { engine: 'docker', image: 'unused' } });
    // Every /proc open fails from the first sample on, while the header import is in flight.
    setProcOpenForTesting(emfile);
    const started = Date.now();
    const session = ReplSession.start({ toolchain, driver, header: candidate.header, headerTimeoutMs: 15_000, memoryLimitMb: 512, tmpRoot });
    await expect(session).rejects.toMatchObject({ name: 'ProoflineError', code: 'CHECKER_INTERNAL', details: { errno: 'EMFILE' } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(tmpRoot)).toEqual([]); // The session cleaned up after itself.
  });
});
