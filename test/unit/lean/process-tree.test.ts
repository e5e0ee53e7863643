import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcessTree, listProcessTree, PeakMemoryProbe, readTreeRssMb, setChildrenFilesForTesting, TreeMemoryReader, treePids } from '../../../pipeline/lean/process-tree.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  setChildrenFilesForTesting(undefined);
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) killProcessTree(child.pid!, child.pid!);
});

/** `sh` with two background children (one of them a node that allocates `mb` MiB), detached like a sandbox launcher. */
async function startTree(mb = 0): Promise<ChildProcess> {
  const hog = `const b = Buffer.alloc(${mb} * 1024 * 1024, 1); console.log('ready'); setTimeout(() => b, 60000)`;
  const child = spawn('/bin/sh', ['-c', `sleep 30 & "${process.execPath}" -e "${hog}" & wait`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  await once(child.stdout!, 'data');
  return child;
}

describe('process tree via /proc', () => {
  it('lists a child and its grandchild, and kill leaves none alive', async () => {
    const child = spawn('/bin/sh', ['-c', 'sleep 30 & echo started; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    await once(child.stdout!, 'data');
    const tree = listProcessTree(child.pid!);
    expect(tree[0]).toBe(child.pid);
    expect(tree.length).toBe(2);
    const exited = once(child, 'exit');
    expect(killProcessTree(child.pid!, child.pid!).sort()).toEqual([...tree].sort());
    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(listProcessTree(child.pid!)).toEqual([]);
  });

  it('measures this process tree’s RSS and a missing one as 0', async () => {
    expect(await readTreeRssMb(process.pid)).toBeGreaterThan(10);
    expect(await readTreeRssMb(2 ** 22 + 1)).toBe(0);
    expect(listProcessTree(2 ** 22 + 1)).toEqual([]);
    expect(await treePids(2 ** 22 + 1)).toEqual([]);
  });

  it('finds the same tree through the children files as through the whole-/proc scan, and sums a grandchild’s memory', async () => {
    const child = await startTree(200);
    const scanned = listProcessTree(child.pid!);
    expect(scanned.length).toBe(3);
    const walked = await treePids(child.pid!);
    expect(walked[0]).toBe(child.pid);
    expect([...walked].sort()).toEqual([...scanned].sort());
    setChildrenFilesForTesting(false);
    expect([...(await treePids(child.pid!))].sort()).toEqual([...scanned].sort());
    expect(await readTreeRssMb(child.pid!)).toBeGreaterThan(200);
  });

  it('keeps sampling one tree with a reader, and reads 0 once it is gone', async () => {
    const child = await startTree(100);
    const reader = new TreeMemoryReader(child.pid!);
    expect(await reader.readRssMb()).toBeGreaterThan(100);
    expect(await reader.readRssMb()).toBeGreaterThan(100);
    const exited = once(child, 'exit');
    killProcessTree(child.pid!, child.pid!);
    await exited;
    expect(await reader.readRssMb()).toBe(0);
  });
});

describe('tree memory reader', () => {
  /** This process's open files under /proc/PID/ of other processes (the reader's). */
  const procFds = (): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return /^\/proc\/\d+\//.test(readlinkSync(`/proc/self/fd/${fd}`)) && !readlinkSync(`/proc/self/fd/${fd}`).startsWith(`/proc/${process.pid}/`);
      } catch {
        return false;
      }
    }).length;

  it('sees a child that appears between samples, drops one that ended, and closes every file', async () => {
    const child = spawn('/bin/sh', ['-c', 'read line; "$0" -e "globalThis.b = Buffer.alloc(200 * 1024 * 1024, 1); console.log(1); setTimeout(() => {}, 60000)" & read line2; kill $!; wait $!; echo gone; read line3', process.execPath], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    started.push(child);
    await once(child, 'spawn');
    const reader = new TreeMemoryReader(child.pid!);
    const alone = await reader.readRssMb();
    expect(alone).toBeLessThan(50);
    expect(procFds()).toBeGreaterThan(0); // The shell's status and children files stay open.
    child.stdin!.write('go\n');
    await once(child.stdout!, 'data');
    expect(await reader.readRssMb()).toBeGreaterThan(alone + 200);
    child.stdin!.write('stop\n');
    await once(child.stdout!, 'data');
    expect(await reader.readRssMb()).toBeLessThan(50);
    reader.close();
    reader.close();
    expect(procFds()).toBe(0);
    expect(await reader.readRssMb()).toBe(0);
  });

  it('closes its files when used once', async () => {
    const child = await startTree(0);
    expect(await readTreeRssMb(child.pid!)).toBeGreaterThan(1);
    expect(procFds()).toBe(0);
  });
});

describe('peak memory probe', () => {
  it('re-reads the open status files: a peak reached after the probe opened is seen', async () => {
    const child = spawn(process.execPath, ['-e', "process.stdin.once('data', () => { globalThis.b = Buffer.alloc(300 * 1024 * 1024, 1); console.log('grown'); }); console.log('ready'); setTimeout(() => {}, 60000)"], { stdio: ['pipe', 'pipe', 'ignore'] });
    started.push(child);
    await once(child.stdout!, 'data');
    const probe = new PeakMemoryProbe([child.pid!]);
    const before = probe.readPeakMb();
    expect(before).toBeGreaterThan(10);
    expect(before).toBeLessThan(300);
    child.stdin!.write('go\n');
    await once(child.stdout!, 'data');
    expect(probe.readPeakMb()).toBeGreaterThan(before + 250);
    probe.close();
    probe.close();
    expect(probe.readPeakMb()).toBe(0);
  });

  it('counts a process that is gone as 0, and one that was never there too', async () => {
    const child = await startTree(0);
    const probe = new PeakMemoryProbe([...listProcessTree(child.pid!), 2 ** 22 + 1]);
    expect(probe.readPeakMb()).toBeGreaterThan(10);
    const exited = once(child, 'exit');
    killProcessTree(child.pid!, child.pid!);
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 100)); // The orphans are reaped by init.
    expect(probe.readPeakMb()).toBe(0);
    probe.close();
  });
});
