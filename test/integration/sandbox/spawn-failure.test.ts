import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProoflineError, type ProoflineError } from '../../../pipeline/errors.ts';
import { runLeanProcess, spawnLeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { createBwrapDriver } from '../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import { describeBwrap, DRIVER_CASES, fixture, makeTempDir, NODE, nodeSpec } from './sandbox-kit.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function workDir(): string {
  const { dir, cleanup } = makeTempDir('spawn');
  cleanups.push(cleanup);
  return dir;
}

async function spawnError(run: () => Promise<unknown>): Promise<ProoflineError> {
  const error = await run().then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!isProoflineError(error)) throw new Error(`expected a ProoflineError, got ${String(error)}`);
  return error;
}

for (const driverCase of DRIVER_CASES) {
  driverCase.describe(`spawn failures under ${driverCase.name}`, () => {
    const driver = driverCase.create();
    beforeAll(() => driver.assertAvailable());

    it('throws LEAN_SPAWN_FAILED (ENOENT) for a missing binary', async () => {
      const dir = workDir();
      const error = await spawnError(() => runLeanProcess(join(dir, 'no-such-lean'), [], { driver, spec: nodeSpec(dir), timeoutMs: 5000, memoryLimitMb: 1000 }));
      expect(error.code).toBe('LEAN_SPAWN_FAILED');
      expect(error.retryable).toBe(true);
      expect(error.details).toMatchObject({ errno: 'ENOENT', cwd: dir });
    });

    it('throws LEAN_SPAWN_FAILED (ENOENT) for a bare name that is not on the spec’s PATH', async () => {
      const dir = workDir();
      const error = await spawnError(() => spawnLeanProcess('no-such-lake', [], { driver, spec: nodeSpec(dir) }));
      expect(error.code).toBe('LEAN_SPAWN_FAILED');
      expect(error.details).toMatchObject({ errno: 'ENOENT' });
    });

    it('throws LEAN_SPAWN_FAILED (EACCES) for a file that is not executable', async () => {
      const dir = workDir();
      writeFileSync(join(dir, 'lean'), '#!/bin/sh\necho hi\n');
      chmodSync(join(dir, 'lean'), 0o644);
      const error = await spawnError(() => spawnLeanProcess(join(dir, 'lean'), [], { driver, spec: nodeSpec(dir) }));
      expect(error.code).toBe('LEAN_SPAWN_FAILED');
      expect(error.details).toMatchObject({ errno: 'EACCES' });
    });

    it('reports a command’s own exit 1 as a result, not as a spawn failure', async () => {
      const result = await runLeanProcess(NODE, [fixture('exits-with.mjs'), 'code', '1'], { driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 1000 });
      expect(result.exitCode).toBe(1);
    });
  });
}

describe('spawn failures of the launcher itself', () => {
  it('throws LEAN_SPAWN_FAILED when the cwd does not exist (none)', async () => {
    const dir = workDir();
    const error = await spawnError(() => spawnLeanProcess(NODE, ['-e', '0'], { driver: createNoneDriver(), spec: nodeSpec(join(dir, 'gone')) }));
    expect(error.code).toBe('LEAN_SPAWN_FAILED');
  });

  it('throws LEAN_SPAWN_FAILED when the bwrap binary is missing', async () => {
    const driver = createBwrapDriver({ bwrapPath: '/nonexistent/bwrap' });
    const error = await spawnError(() => spawnLeanProcess(NODE, ['-e', '0'], { driver, spec: nodeSpec(workDir()) }));
    expect(error.code).toBe('LEAN_SPAWN_FAILED');
    expect(error.details).toMatchObject({ launcher: '/nonexistent/bwrap', errno: 'ENOENT' });
  });
});

describeBwrap('bwrap set-up failures', () => {
  const driver = createBwrapDriver();
  beforeAll(() => driver.assertAvailable());

  it('rejects `exited` with LEAN_SPAWN_FAILED when the sandbox cannot be set up', async () => {
    const dir = workDir();
    const spec = nodeSpec(dir, { readOnlyPaths: [...nodeSpec(dir).readOnlyPaths, join(dir, 'missing-toolchain')] });
    const proc = await spawnLeanProcess(NODE, ['-e', '0'], { driver, spec });
    const error = await spawnError(() => proc.exited);
    expect(error.code).toBe('LEAN_SPAWN_FAILED');
    expect(error.details).toMatchObject({ launcherExitCode: 1 });
    await expect(runLeanProcess(NODE, ['-e', '0'], { driver, spec, timeoutMs: 5000, memoryLimitMb: 1000 })).rejects.toMatchObject({
      code: 'LEAN_SPAWN_FAILED',
    });
  });
});
