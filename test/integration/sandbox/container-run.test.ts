import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runLeanProcess, spawnLeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { createContainerDriver } from '../../../pipeline/lean/sandbox/container-driver.ts';
import type { SandboxSpec } from '../../../pipeline/lean/sandbox/sandbox-driver.ts';
import { makeTempDir } from './sandbox-kit.ts';

// A real container run needs an engine, a reachable daemon and the image; none exist on the dev machine.
const engine = process.env.PROOFLINE_CONTAINER_ENGINE === 'podman' ? 'podman' : 'docker';
const image = process.env.PROOFLINE_CONTAINER_IMAGE ?? 'proofline-lean:v4.33.0';
const driver = createContainerDriver({ engine, image });
const unavailable = await driver.assertAvailable().then(
  () => null,
  (error: unknown) => (error as Error).message,
);
if (unavailable !== null) console.warn(`[container-run] skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)(`container driver, real ${engine} run of ${image}`, () => {
  function spec(dir: string): SandboxSpec {
    return { readOnlyPaths: [], writablePaths: [dir], cwd: dir, env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, memoryLimitMb: 1024, cpuLimitSeconds: null };
  }

  it('runs a command with the writable dir mounted and no network', async () => {
    const { dir, cleanup } = makeTempDir('container');
    try {
      const result = await runLeanProcess('/bin/sh', ['-c', 'echo inside > out.txt && cat out.txt && ls /sys/class/net'], {
        driver, spec: spec(dir), timeoutMs: 60_000, memoryLimitMb: 1024,
      });
      expect(result.exitCode).toBe(0);
      expect(result.stdout.split('\n')).toEqual(['inside', 'lo', '']);
    } finally {
      cleanup();
    }
  });

  it('round-trips stdin/stdout and is killed from outside', async () => {
    const { dir, cleanup } = makeTempDir('container');
    try {
      const proc = await spawnLeanProcess('/bin/cat', [], { driver, spec: spec(dir) });
      proc.stdin.write('ping\n');
      const [chunk] = (await once(proc.stdout, 'data')) as [Buffer];
      expect(chunk.toString()).toBe('ping\n');
      proc.kill();
      expect((await proc.exited).signal).toBe('SIGKILL');
    } finally {
      cleanup();
    }
  });
});
