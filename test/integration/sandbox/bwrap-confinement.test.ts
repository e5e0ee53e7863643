import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runLeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { createBwrapDriver } from '../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { createNoneDriver } from '../../../pipeline/lean/sandbox/none-driver.ts';
import type { SandboxDriver } from '../../../pipeline/lean/sandbox/sandbox-driver.ts';
import { describeBwrap, fixture, makeTempDir, NODE, nodeSpec, REPO_ROOT, uniqueToken } from './sandbox-kit.ts';

interface Listener {
  server: Server;
  port: number;
  connections: number;
}

async function listenOnLoopback(): Promise<Listener> {
  const listener: Listener = { server: createServer(), port: 0, connections: 0 };
  listener.server.on('connection', (socket) => {
    listener.connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.server.listen(0, '127.0.0.1', resolve));
  listener.port = (listener.server.address() as AddressInfo).port;
  return listener;
}

async function runProbe(driver: SandboxDriver, workDir: string, script: string, args: string[]): Promise<Record<string, string>> {
  const result = await runLeanProcess(NODE, [fixture(script), ...args], { driver, spec: nodeSpec(workDir), timeoutMs: 10_000, memoryLimitMb: 1500 });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, string>;
}

let listener: Listener;
beforeAll(async () => {
  listener = await listenOnLoopback();
});
afterAll(() => listener.server.close());

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function tempDir(label: string): string {
  const { dir, cleanup } = makeTempDir(label);
  cleanups.push(cleanup);
  return dir;
}

describeBwrap('bwrap confinement', () => {
  const driver = createBwrapDriver();
  beforeAll(() => driver.assertAvailable());

  it('cannot reach a loopback listener of the host nor resolve a name', async () => {
    const before = listener.connections;
    const outcome = await runProbe(driver, tempDir('net'), 'connects-network.mjs', ['127.0.0.1', String(listener.port), 'example.com']);
    expect(outcome.connect).not.toBe('ok');
    expect(outcome.resolve).not.toMatch(/^ok/);
    expect(listener.connections).toBe(before);
  });

  it('writes in its writable dir but not in the repo, the host /tmp or $HOME', async () => {
    const workDir = tempDir('write');
    const token = uniqueToken('write');
    const hostTmpTarget = `/tmp/${token}`;
    const repoTarget = join(REPO_ROOT, 'test/fixtures/bin', `${token}.txt`);
    const homeTarget = `/root/${token}`;
    const outcome = await runProbe(driver, workDir, 'writes-outside.mjs', [
      `write:${join(workDir, 'inside.txt')}`,
      `write:${repoTarget}`,
      `write:${hostTmpTarget}`,
      `write:${homeTarget}`,
    ]);
    expect(outcome[`write:${join(workDir, 'inside.txt')}`]).toBe('ok');
    expect(existsSync(join(workDir, 'inside.txt'))).toBe(true);
    expect(outcome[`write:${repoTarget}`]).toBe('EROFS');
    expect(outcome[`write:${homeTarget}`]).not.toBe('ok');
    // /tmp inside is a private, size-bounded tmpfs: the write may succeed there but never reaches the host.
    for (const target of [repoTarget, hostTmpTarget, homeTarget]) expect(existsSync(target), target).toBe(false);
  });

  it('cannot read a secret outside readOnlyPaths, nor /etc/passwd', async () => {
    const secretDir = tempDir('secret');
    writeFileSync(join(secretDir, 'secret.txt'), 'hunter2');
    const outcome = await runProbe(driver, tempDir('reader'), 'writes-outside.mjs', [`read:${join(secretDir, 'secret.txt')}`, 'read:/etc/passwd']);
    expect(outcome[`read:${join(secretDir, 'secret.txt')}`]).toBe('ENOENT');
    expect(outcome['read:/etc/passwd']).toBe('ENOENT');
  });

  it('reads what readOnlyPaths expose but cannot write there', async () => {
    const shared = tempDir('shared');
    writeFileSync(join(shared, 'toolchain.txt'), 'lean v4');
    const workDir = tempDir('work');
    const spec = nodeSpec(workDir, { readOnlyPaths: [...nodeSpec(workDir).readOnlyPaths, shared] });
    const result = await runLeanProcess(NODE, [fixture('writes-outside.mjs'), `read:${join(shared, 'toolchain.txt')}`, `write:${join(shared, 'x')}`], {
      driver, spec, timeoutMs: 10_000, memoryLimitMb: 1500,
    });
    const outcome = JSON.parse(result.stdout) as Record<string, string>;
    expect(outcome[`read:${join(shared, 'toolchain.txt')}`]).toBe('ok:lean v4');
    expect(outcome[`write:${join(shared, 'x')}`]).toBe('EROFS');
  });

  it('mounts a writable dir nested in a read-only one on top of it', async () => {
    const shared = tempDir('nested');
    mkdirSync(join(shared, 'out'));
    const spec = nodeSpec(join(shared, 'out'), { readOnlyPaths: [...nodeSpec(shared).readOnlyPaths, shared] });
    const result = await runLeanProcess(NODE, [fixture('writes-outside.mjs'), `write:${join(shared, 'out', 'a')}`, `write:${join(shared, 'b')}`], {
      driver, spec, timeoutMs: 10_000, memoryLimitMb: 1500,
    });
    expect(JSON.parse(result.stdout)).toEqual({ [`write:${join(shared, 'out', 'a')}`]: 'ok', [`write:${join(shared, 'b')}`]: 'EROFS' });
  });

  it('sees only the environment of the spec (plus the PWD bwrap sets)', async () => {
    const workDir = tempDir('env');
    const result = await runLeanProcess(NODE, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
      driver, spec: nodeSpec(workDir, { env: { LEAN_PATH: '/x:/y' } }), timeoutMs: 10_000, memoryLimitMb: 1500,
    });
    expect(JSON.parse(result.stdout)).toEqual({ LEAN_PATH: '/x:/y', PWD: workDir });
  });
});

// Controls: the same probes succeed without a sandbox, so the assertions above can fail.
describe('the probes themselves, unsandboxed', () => {
  const driver = createNoneDriver();

  it('connects to the loopback listener', async () => {
    const before = listener.connections;
    const outcome = await runProbe(driver, tempDir('net-control'), 'connects-network.mjs', ['127.0.0.1', String(listener.port), 'localhost']);
    expect(outcome.connect).toBe('ok');
    await expect.poll(() => listener.connections).toBe(before + 1);
  });

  it('reads a file outside its dirs', async () => {
    const secretDir = tempDir('secret-control');
    writeFileSync(join(secretDir, 'secret.txt'), 'hunter2');
    const outcome = await runProbe(driver, tempDir('reader-control'), 'writes-outside.mjs', [`read:${join(secretDir, 'secret.txt')}`]);
    expect(outcome[`read:${join(secretDir, 'secret.txt')}`]).toBe('ok:hunter2');
  });
});
