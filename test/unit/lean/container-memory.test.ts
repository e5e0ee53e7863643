import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMemoryWatch } from '../../../pipeline/lean/memory-watch.ts';
import { readPeakRssMb } from '../../../pipeline/lean/peak-memory.ts';
import { readContainerMemoryMb, readTreeRssMb } from '../../../pipeline/lean/process-tree.ts';

/**
 * Under the container sandbox the Lean process lives in the container's cgroup, not under the
 * `docker run` client. No engine runs here: a fake cgroup tree stands in for /sys/fs/cgroup and a
 * real process stands in for the client; the cidfile is passed explicitly, as the container driver
 * does (never read from a command line).
 */
const MiB = 1024 * 1024;
const ID = 'a3f5c0ffee'.padEnd(64, '0');

let dir: string;
let cgroupRoot: string;
let client: ChildProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'container-memory-'));
  cgroupRoot = join(dir, 'cgroup');
});
afterEach(() => {
  client?.kill('SIGKILL');
  client = null;
  rmSync(dir, { recursive: true, force: true });
});

function fakeCgroup(relative: string, files: Record<string, string>): void {
  const path = join(cgroupRoot, relative);
  mkdirSync(path, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
}

function writeCid(id = ID): string {
  const cidFile = join(dir, 'run.cid');
  writeFileSync(cidFile, id);
  return cidFile;
}

/** A live process whose argv looks like `docker run --cidfile FILE …` (node ignores the extra args). */
async function startFakeClient(cidFile: string): Promise<number> {
  client = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'run', '--cidfile', cidFile, '-i', 'image', 'repl'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    client!.once('spawn', resolve);
    client!.once('error', reject);
  });
  return client.pid!;
}

describe('container memory from the cgroup', () => {
  it("reads docker's systemd-driver scope: memory.current minus inactive page cache, and memory.peak", () => {
    fakeCgroup(`system.slice/docker-${ID}.scope`, {
      'memory.current': String(900 * MiB),
      'memory.stat': `anon ${700 * MiB}\nfile ${200 * MiB}\ninactive_file ${100 * MiB}\nactive_file ${100 * MiB}\n`,
      'memory.peak': String(1500 * MiB),
    });
    const cidFile = writeCid();
    expect(readContainerMemoryMb(cidFile, 'current', { cgroupRoot })).toBe(800);
    expect(readContainerMemoryMb(cidFile, 'peak', { cgroupRoot })).toBe(1500);
  });

  it('finds the cgroupfs layout and a rootless podman scope nested under the user slice', () => {
    fakeCgroup(`docker/${ID}`, { 'memory.current': String(64 * MiB) });
    expect(readContainerMemoryMb(writeCid(), 'current', { cgroupRoot })).toBe(64);
    const podmanId = 'b'.repeat(64);
    fakeCgroup(`user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${podmanId}.scope/container`, { 'memory.current': String(32 * MiB) });
    expect(readContainerMemoryMb(writeCid(podmanId), 'current', { cgroupRoot })).toBe(32);
  });

  it('reads 0 before the engine wrote the id, for a garbled id, and when the container is gone', () => {
    expect(readContainerMemoryMb(join(dir, 'not-yet.cid'), 'current', { cgroupRoot })).toBe(0);
    expect(readContainerMemoryMb(writeCid('../../etc'), 'current', { cgroupRoot })).toBe(0);
    expect(readContainerMemoryMb(writeCid(), 'current', { cgroupRoot })).toBe(0);
  });

  it("adds the container's memory to the client's tree, so the memory watch kills on it", async () => {
    fakeCgroup(`system.slice/docker-${ID}.scope`, { 'memory.current': String(4096 * MiB), 'memory.peak': String(5000 * MiB) });
    const containerIdFile = writeCid();
    const pid = await startFakeClient(containerIdFile);
    const clientOnly = await readTreeRssMb(pid, { cgroupRoot, containerIdFile: join(dir, 'no-such.cid') });
    expect(clientOnly).toBeGreaterThan(0);
    expect(clientOnly).toBeLessThan(1024);
    // The client's own command line names the cidfile: it is not a source of paths.
    expect(await readTreeRssMb(pid, { cgroupRoot })).toBeLessThan(1024);
    expect(readPeakRssMb([pid], { cgroupRoot })).toBeLessThan(1024);

    const exceeded = await new Promise<number>((resolve, reject) => {
      startMemoryWatch({ rssMb: () => readTreeRssMb(pid, { cgroupRoot, containerIdFile }) }, { limitMb: 2048, pollMs: 20, onExceeded: resolve, onFailure: reject });
    });
    expect(exceeded).toBeGreaterThan(4096);
    expect(readPeakRssMb([pid], { cgroupRoot, containerIdFile })).toBeGreaterThan(5000);
  });
});
