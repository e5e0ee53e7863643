import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnLeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { PeakMemoryProbe, readTreeRssMb, TreeMemoryReader } from '../../../pipeline/lean/process-tree.ts';
import { createContainerDriver } from '../../../pipeline/lean/sandbox/container-driver.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import type { SandboxDriver, SandboxSpec } from '../../../pipeline/lean/sandbox/sandbox-driver.ts';

/**
 * The memory reader must neither block on a path a sandboxed process chose (a FIFO named as
 * `--cidfile` on its command line) nor take a reader failure (EMFILE) for a process that is gone.
 */
const processTree = resolve(import.meta.dirname, '../../../pipeline/lean/process-tree.ts');
const MiB = 1024 * 1024;
const ID = 'c0ffee'.padEnd(64, '1');

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memory-reader-'));
});
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function startTree(script: string, argv: string[] = []): Promise<number> {
  const child = spawn('bash', ['-c', script, ...argv], { stdio: 'ignore', detached: true });
  children.push(child);
  await new Promise<void>((ok, fail) => {
    child.once('spawn', ok);
    child.once('error', fail);
  });
  return child.pid!;
}

const emfile = (): never => {
  throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
};

describe('the cidfile is never taken from a command line', () => {
  it('samples a tree whose member claims `run --cidfile=<fifo>` without blocking (bounded, in a child process)', () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // A blocked read would freeze this worker's event loop: run the reads in a child with a deadline.
    const script = `
      import { spawn } from 'node:child_process';
      import { readTreeRssMb, PeakMemoryProbe, TreeMemoryReader, readContainerMemoryMb } from ${JSON.stringify(processTree)};
      const fifo = ${JSON.stringify(fifo)};
      const member = spawn('bash', ['-c', 'sleep 30', 'run', '--cidfile=' + fifo], { stdio: 'ignore' });
      const zero = spawn('bash', ['-c', 'sleep 30', 'run', '--cidfile', '/dev/zero'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 300));
      const reader = new TreeMemoryReader(member.pid);
      const a = await reader.readRssMb();
      reader.close();
      const b = await readTreeRssMb(zero.pid);
      const probe = new PeakMemoryProbe([member.pid, zero.pid]);
      const c = probe.readPeakMb();
      probe.close();
      // Even a cidfile path we were given must not block when something else sits there.
      const d = readContainerMemoryMb(fifo, 'current') + readContainerMemoryMb('/dev/zero', 'peak');
      member.kill('SIGKILL'); zero.kill('SIGKILL');
      console.log(JSON.stringify({ a, b, c, d }));
      process.exit(0);
    `;
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 8000, killSignal: 'SIGKILL' });
    expect(run.signal, `blocked: ${run.stderr}`).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(out.a).toBeGreaterThan(0);
    expect(out.b).toBeGreaterThan(0);
    expect(out.c).toBeGreaterThan(0);
    expect(out.d).toBe(0);
  });

  it("adds the container's memory from the cidfile passed in options, for the tree and the peak probe", async () => {
    const cgroupRoot = join(dir, 'cgroup');
    const scope = join(cgroupRoot, `system.slice/docker-${ID}.scope`);
    mkdirSync(scope, { recursive: true });
    writeFileSync(join(scope, 'memory.current'), String(3000 * MiB));
    writeFileSync(join(scope, 'memory.peak'), String(3500 * MiB));
    const containerIdFile = join(dir, 'run.cid');
    writeFileSync(containerIdFile, `${ID}\n`);
    const pid = await startTree('sleep 30');
    expect(await readTreeRssMb(pid, { cgroupRoot })).toBeLessThan(1000);
    expect(await readTreeRssMb(pid, { cgroupRoot, containerIdFile })).toBeGreaterThan(3000);
    const probe = new PeakMemoryProbe([pid], { cgroupRoot, containerIdFile });
    expect(probe.readPeakMb()).toBeGreaterThan(3500);
    probe.close();
  });

  it('plumbs the cidfile the container driver chose into the LeanProcess, and none for other drivers', async () => {
    const spec: SandboxSpec = { readOnlyPaths: [], writablePaths: [join(dir, 'work')], cwd: dir, env: { PATH: '/usr/bin:/bin' }, memoryLimitMb: 4096, cpuLimitSeconds: null };
    const container = createContainerDriver({ engine: 'docker', image: 'img' });
    const wrapped = container.wrap('repl', [], spec);
    expect(wrapped.containerIdFile).toBe(wrapped.args[wrapped.args.indexOf('--cidfile') + 1]);
    expect(wrapped.containerIdFile!.startsWith(`${dir}/`)).toBe(true);

    // A driver that runs `sleep` but reports the cidfile as the container driver would.
    const none = createNoneDriver();
    const fake: SandboxDriver = { ...none, wrap: (command, args, s) => ({ ...none.wrap(command, args, s), containerIdFile: join(dir, 'x.cid') }) };
    const proc = await spawnLeanProcess('sleep', ['30'], { driver: fake, spec });
    const plain = await spawnLeanProcess('sleep', ['30'], { driver: none, spec });
    try {
      expect(proc.containerIdFile).toBe(join(dir, 'x.cid'));
      expect(plain.containerIdFile).toBeNull();
      expect(await proc.rssMb()).toBeGreaterThan(0);
    } finally {
      proc.kill();
      plain.kill();
      await Promise.all([proc.exited, plain.exited]);
    }
  });
});

describe('reader failures are not a gone process', () => {
  it('rejects a sample when /proc files cannot be opened (EMFILE), for the tree reader and the peak probe', async () => {
    const pid = await startTree('sleep 30');
    const reader = new TreeMemoryReader(pid, { openFile: emfile });
    await expect(reader.readRssMb()).rejects.toMatchObject({ code: 'EMFILE' });
    reader.close();
    await expect(readTreeRssMb(pid, { openFile: emfile })).rejects.toMatchObject({ code: 'EMFILE' });
    expect(() => new PeakMemoryProbe([pid], { openFile: emfile })).toThrow(/EMFILE/);
  });

  it('still reads a process that is gone (ENOENT) as 0', async () => {
    const gone = (): never => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    const pid = await startTree('sleep 30');
    expect(await readTreeRssMb(pid, { openFile: gone })).toBe(0);
  });

  it('keeps at most maxOpenFiles /proc files open and still counts every member beyond the cap', async () => {
    const pid = await startTree('for i in $(seq 12); do sleep 60 & done; wait');
    let members = 0;
    for (let i = 0; i < 50 && members < 13; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      members = (await import('../../../pipeline/lean/process-tree.ts')).listProcessTree(pid).length;
    }
    expect(members).toBe(13);
    // Measure a settled tree: until every child has exec'd into `sleep`, a forked shell copy's RSS
    // changes between the capped and the uncapped read.
    const { listProcessTree } = await import('../../../pipeline/lean/process-tree.ts');
    const settled = (): boolean => listProcessTree(pid).filter((p) => p !== pid).every((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep';
      } catch {
        return false;
      }
    });
    for (let i = 0; i < 100 && !settled(); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(settled()).toBe(true);
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const capped = new TreeMemoryReader(pid, { maxOpenFiles: 8 });
    const uncapped = new TreeMemoryReader(pid);
    try {
      const cappedMb = await capped.readRssMb();
      expect(capped.openFiles).toBe(8);
      const cappedAgain = await capped.readRssMb();
      expect(capped.openFiles).toBe(8);
      const fullMb = await uncapped.readRssMb();
      // 13 status files + one children file per thread, all kept.
      expect(uncapped.openFiles).toBeGreaterThanOrEqual(26);
      expect(readdirSync('/proc/self/fd').length - fdsBefore).toBeLessThanOrEqual(8 + uncapped.openFiles + 1);
      expect(Math.abs(cappedMb - fullMb)).toBeLessThan(fullMb * 0.05);
      expect(Math.abs(cappedAgain - fullMb)).toBeLessThan(fullMb * 0.05);
    } finally {
      capped.close();
      uncapped.close();
    }
    expect(capped.openFiles).toBe(0);
    expect(uncapped.openFiles).toBe(0);
  });
});
