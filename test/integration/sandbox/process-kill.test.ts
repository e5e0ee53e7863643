import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { runLeanProcess, spawnLeanProcess, type LeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { listProcessTree } from '../../../pipeline/lean/process-tree.ts';
import { DRIVER_CASES, eventually, fixture, makeTempDir, NODE, nodeSpec, processesWithToken, uniqueToken } from './sandbox-kit.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function workDir(): string {
  const { dir, cleanup } = makeTempDir('kill');
  cleanups.push(cleanup);
  return dir;
}

async function firstLine(proc: LeanProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

for (const driverCase of DRIVER_CASES) {
  driverCase.describe(`process tree kill under ${driverCase.name}`, () => {
    const driver = driverCase.create();
    beforeAll(() => driver.assertAvailable());

    it('kills the whole tree, other sessions included, when the wall clock runs out', async () => {
      const token = uniqueToken('timeout');
      const result = await runLeanProcess(NODE, [fixture('spawns-children.mjs'), token, '1'], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 3000, memoryLimitMb: 4000,
      });
      expect(result.stdout, 'the tree was up before the deadline').toContain('ready 3');
      expect(result).toMatchObject({ timedOut: true, memoryExceeded: false, signal: 'SIGKILL', exitCode: null });
      expect(result.elapsedMs).toBeGreaterThanOrEqual(3000);
      expect(result.elapsedMs).toBeLessThan(3000 + 2000);
      expect(await eventually(() => processesWithToken(token), (pids) => pids.length === 0)).toEqual([]);
    });

    it('kill() takes down a deeper tree and exited reports SIGKILL', async () => {
      const token = uniqueToken('kill');
      const proc = await spawnLeanProcess(NODE, [fixture('spawns-children.mjs'), token, '2'], { driver, spec: nodeSpec(workDir()) });
      expect(await firstLine(proc)).toBe('ready 7');
      expect(processesWithToken(token).length).toBeGreaterThanOrEqual(7);
      expect(listProcessTree(proc.pid).length).toBeGreaterThanOrEqual(7);
      proc.kill();
      proc.kill();
      expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(proc.isKilled).toBe(true);
      expect(await eventually(() => processesWithToken(token), (pids) => pids.length === 0)).toEqual([]);
      expect(await proc.rssMb()).toBe(0);
    });

    it('leaves nothing of its process group behind when the command exits on its own', async () => {
      const token = uniqueToken('leftover');
      const script = `require('node:child_process').spawn(process.execPath, [${JSON.stringify(fixture('forever.mjs'))}, ${JSON.stringify(token)}], { stdio: 'ignore' }); setTimeout(() => process.exit(0), 300);`;
      const result = await runLeanProcess(NODE, ['-e', script, token], { driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 4000 });
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      expect(await eventually(() => processesWithToken(token), (pids) => pids.length === 0)).toEqual([]);
    });
  });
}
