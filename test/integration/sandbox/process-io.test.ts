import { afterEach, beforeAll, expect, it } from 'vitest';
import { runLeanProcess, spawnLeanProcess, type LeanProcess } from '../../../pipeline/lean/lean-process.ts';
import { createBwrapDriver } from '../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { describeBwrap, DRIVER_CASES, fixture, makeTempDir, NODE, nodeSpec } from './sandbox-kit.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function workDir(): string {
  const { dir, cleanup } = makeTempDir('io');
  cleanups.push(cleanup);
  return dir;
}

/** Reads stdout up to the next blank line, the way the REPL client frames a response. */
function readResponse(proc: LeanProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n\n');
      if (end >= 0) {
        proc.stdout.off('data', onData);
        proc.stdout.pause();
        if (end + 2 !== text.length) reject(new Error(`unexpected extra output: ${JSON.stringify(text.slice(end + 2))}`));
        resolve(text.slice(0, end));
      }
    };
    proc.stdout.on('data', onData);
    proc.stdout.resume();
  });
}

for (const driverCase of DRIVER_CASES) {
  driverCase.describe(`process I/O under ${driverCase.name}`, () => {
    const driver = driverCase.create();
    beforeAll(() => driver.assertAvailable());

    it('round-trips REPL-framed requests over stdin/stdout, then exits 0 on EOF', async () => {
      const proc = await spawnLeanProcess(NODE, [fixture('echo-lines.mjs')], { driver, spec: nodeSpec(workDir()) });
      proc.stdin.write('{"cmd": "theorem t : True := trivial"}\n\n');
      expect(JSON.parse(await readResponse(proc))).toEqual({ echo: '{"cmd": "theorem t : True := trivial"}' });
      proc.stdin.write('{"cmd": "#print axioms t", "env": 1}\n\n');
      expect(JSON.parse(await readResponse(proc))).toEqual({ echo: '{"cmd": "#print axioms t", "env": 1}' });
      proc.stdin.end();
      proc.stdout.resume();
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    });

    it('reports the command’s own exit code, with its stderr', async () => {
      const result = await runLeanProcess(NODE, [fixture('exits-with.mjs'), 'code', '7'], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 1000,
      });
      expect(result).toMatchObject({ exitCode: 7, signal: null, timedOut: false, memoryExceeded: false, stderr: 'exits-with code 7\n' });
    });

    it('reports the signal that killed the command (not the launcher’s 128+N)', async () => {
      const result = await runLeanProcess(NODE, [fixture('exits-with.mjs'), 'signal', 'SIGSEGV'], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 1000,
      });
      expect(result).toMatchObject({ exitCode: null, signal: 'SIGSEGV', timedOut: false });
    });

    it('feeds `input` on stdin and collects stdout', async () => {
      const result = await runLeanProcess(NODE, [fixture('echo-lines.mjs')], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 1000, input: 'a\n\nb\n\n',
      });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(`${JSON.stringify({ echo: 'a' }, null, 2)}\n\n${JSON.stringify({ echo: 'b' }, null, 2)}\n\n`);
    });

    it('drains a flood of stderr and keeps only its last 64 KiB', async () => {
      const result = await runLeanProcess(NODE, [fixture('floods-stderr.mjs'), '1024'], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 1000,
      });
      expect(result).toMatchObject({ exitCode: 0, stdout: 'done\n' });
      expect(Buffer.byteLength(result.stderr)).toBe(64 * 1024);
      expect(result.stderr.endsWith('last stderr line\n')).toBe(true);
    });

    it('kills a process whose stdout passes maxOutputBytes and says so', async () => {
      const result = await runLeanProcess(NODE, ['-e', 'const s = "x".repeat(1 << 16); const pump = () => { while (process.stdout.write(s)); process.stdout.once("drain", pump); }; pump();'], {
        driver, spec: nodeSpec(workDir()), timeoutMs: 10_000, memoryLimitMb: 2000, maxOutputBytes: 1 << 20,
      });
      expect(result).toMatchObject({ outputExceeded: true, timedOut: false, memoryExceeded: false, signal: 'SIGKILL' });
      expect(result.stdout.length).toBeLessThanOrEqual(1 << 20);
    });
  });
}

describeBwrap('rlimits inside bwrap', () => {
  const driver = createBwrapDriver();
  beforeAll(() => driver.assertAvailable());

  it('stops a CPU spinner at cpuLimitSeconds with SIGXCPU', async () => {
    const result = await runLeanProcess(NODE, ['-e', 'for (;;) {}'], {
      driver, spec: nodeSpec(workDir(), { cpuLimitSeconds: 1 }), timeoutMs: 10_000, memoryLimitMb: 2000,
    });
    expect(result).toMatchObject({ signal: 'SIGXCPU', timedOut: false });
  });

  it('applies maxOpenFiles (RLIMIT_NOFILE) to the command', async () => {
    const result = await runLeanProcess('/bin/sh', ['-c', 'ulimit -n'], {
      driver, spec: nodeSpec(workDir(), { maxOpenFiles: 123 }), timeoutMs: 10_000, memoryLimitMb: 2000,
    });
    expect(result.stdout).toBe('123\n');
  });
});
