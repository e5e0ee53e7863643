import { afterEach, beforeAll, expect, it } from 'vitest';
import { runLeanProcess, spawnLeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { startMemoryWatch } from '../../../pipeline/lean/memory-watch.ts';
import { createBwrapDriver } from '../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { describeBwrap, DRIVER_CASES, eventually, fixture, makeTempDir, NODE, nodeSpec, processesWithToken, uniqueToken } from './sandbox-kit.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function workDir(): string {
  const { dir, cleanup } = makeTempDir('memory');
  cleanups.push(cleanup);
  return dir;
}

for (const driverCase of DRIVER_CASES) {
  driverCase.describe(`memory watch under ${driverCase.name}`, () => {
    const driver = driverCase.create();
    beforeAll(() => driver.assertAvailable());

    it('kills a hog above the RSS limit and reports memoryExceeded', async () => {
      const token = uniqueToken('hog');
      const result = await runLeanProcess(NODE, [fixture('leaks-memory.mjs'), '32', '20', token], {
        driver, spec: nodeSpec(workDir(), { memoryLimitMb: 4096 }), timeoutMs: 10_000, memoryLimitMb: 300, rssPollMs: 100,
      });
      expect(result).toMatchObject({ memoryExceeded: true, timedOut: false, signal: 'SIGKILL', exitCode: null });
      expect(result.peakRssMb).toBeGreaterThan(300);
      expect(result.elapsedMs).toBeLessThan(8000);
      expect(await eventually(() => processesWithToken(token), (pids) => pids.length === 0)).toEqual([]);
    });

    it('lets a process under the limit finish, with its peak recorded', async () => {
      const result = await runLeanProcess(NODE, ['-e', 'const b = Buffer.alloc(64 << 20, 1); setTimeout(() => console.log(b.length), 600)'], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 1000, rssPollMs: 100,
      });
      expect(result).toMatchObject({ exitCode: 0, memoryExceeded: false, stdout: `${64 << 20}\n` });
      expect(result.peakRssMb).toBeGreaterThan(64);
    });

    it('watches a long-lived process: onExceeded fires once and the caller decides to kill', async () => {
      const proc = await spawnLeanProcess(NODE, [fixture('leaks-memory.mjs'), '32', '20'], { driver, spec: nodeSpec(workDir(), { memoryLimitMb: 4096 }) });
      const samples: number[] = [];
      const exceeded = await new Promise<number>((resolve, reject) => {
        startMemoryWatch(proc, { limitMb: 250, pollMs: 100, onSample: (rssMb) => samples.push(rssMb), onExceeded: resolve, onFailure: reject });
      });
      proc.kill();
      expect(exceeded).toBeGreaterThan(250);
      expect(samples.at(-1)).toBe(exceeded);
      expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    });
  });
}

describeBwrap('kernel memory ceiling under bwrap', () => {
  const driver = createBwrapDriver();
  beforeAll(() => driver.assertAvailable());

  it('stops a hog by RLIMIT_DATA before the RSS watch would (the kernel backstop)', async () => {
    const result = await runLeanProcess(NODE, [fixture('leaks-memory.mjs'), '32', '5'], {
      driver, spec: nodeSpec(workDir(), { memoryLimitMb: 1024 }), timeoutMs: 10_000, memoryLimitMb: 8000, rssPollMs: 100,
    });
    expect(result.memoryExceeded).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode === 0).toBe(false);
    const allocatedMb = Math.max(0, ...[...result.stdout.matchAll(/allocated (\d+)/g)].map((match) => Number(match[1])));
    expect(allocatedMb).toBeLessThan(1024);
  });
});
