import { describe, expect, it } from 'vitest';
import { createBwrapDriver } from '../../../../pipeline/lean/sandbox/bwrap-driver.ts';
import type { SandboxSpec } from '../../../../pipeline/lean/sandbox/sandbox-driver.ts';

const spec: SandboxSpec = {
  readOnlyPaths: ['/opt/elan/toolchains/v4.33.0', '/srv/lean-project/.lake'],
  writablePaths: ['/tmp/proofline-abc'],
  cwd: '/tmp/proofline-abc',
  env: { LEAN_PATH: '/srv/lean-project/.lake/build/lib', PATH: '/opt/elan/toolchains/v4.33.0/bin' },
  memoryLimitMb: 8192,
  cpuLimitSeconds: 120,
};

/** The value following `flag` each time it occurs (flags taking two values give the first). */
function valuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, index) => (arg === flag ? [args[index + 1]!] : []));
}

describe('bwrap driver argv', () => {
  const wrapped = createBwrapDriver().wrap('lean', ['--json', 'Candidate.lean'], spec);
  const separator = wrapped.args.indexOf('--');
  const bwrapArgs = wrapped.args.slice(0, separator);
  const inner = wrapped.args.slice(separator + 1);

  it('unshares every namespace (no network), drops capabilities and dies with its parent', () => {
    expect(wrapped.command).toBe('bwrap');
    expect(bwrapArgs.slice(0, 5)).toEqual(['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL']);
    expect(bwrapArgs).not.toContain('--share-net');
  });

  it('binds the system dirs read-only but not /etc, /root or /home', () => {
    const roTry = valuesOf(bwrapArgs, '--ro-bind-try');
    expect(roTry).toEqual(expect.arrayContaining(['/usr', '/bin', '/lib', '/lib64', '/etc/ld.so.cache']));
    for (const hidden of ['/etc', '/root', '/home', '/']) {
      expect([...roTry, ...valuesOf(bwrapArgs, '--ro-bind'), ...valuesOf(bwrapArgs, '--bind')]).not.toContain(hidden);
    }
  });

  it('binds the spec paths after the private /tmp tmpfs, then makes the root and /dev read-only', () => {
    const tmpfs = bwrapArgs.indexOf('--tmpfs');
    expect(bwrapArgs[tmpfs + 1]).toBe('/tmp');
    expect(bwrapArgs[tmpfs - 2]).toBe('--size');
    expect(bwrapArgs[tmpfs - 1]).toBe(String(256 * 1024 * 1024));
    expect(valuesOf(bwrapArgs, '--ro-bind')).toEqual(['/srv/lean-project/.lake', '/opt/elan/toolchains/v4.33.0']); // shallow first
    expect(valuesOf(bwrapArgs, '--bind')).toEqual(['/tmp/proofline-abc']);
    expect(bwrapArgs.indexOf('--bind')).toBeGreaterThan(tmpfs);
    expect(valuesOf(bwrapArgs, '--remount-ro')).toEqual(['/dev', '/']);
    expect(bwrapArgs.lastIndexOf('--remount-ro')).toBeGreaterThan(bwrapArgs.indexOf('--bind'));
  });

  it('mounts shallow paths first so nested writable dirs land on top', () => {
    const nested = createBwrapDriver().wrap('lean', [], { ...spec, readOnlyPaths: ['/a/b'], writablePaths: ['/a/b/c/out', '/a'], cwd: '/a/b/c/out' });
    const order = nested.args.flatMap((arg, index, all) => (arg === '--bind' || arg === '--ro-bind' ? [`${arg} ${all[index + 1]}`] : []));
    expect(order).toEqual(['--bind /a', '--ro-bind /a/b', '--bind /a/b/c/out']);
  });

  it('clears the environment and sets exactly the spec env, in the spec cwd', () => {
    expect(bwrapArgs).toContain('--clearenv');
    expect(bwrapArgs.indexOf('--setenv')).toBeGreaterThan(bwrapArgs.indexOf('--clearenv'));
    expect(valuesOf(bwrapArgs, '--setenv')).toEqual(['LEAN_PATH', 'PATH']);
    expect(bwrapArgs[bwrapArgs.indexOf('LEAN_PATH') + 1]).toBe('/srv/lean-project/.lake/build/lib');
    expect(valuesOf(bwrapArgs, '--chdir')).toEqual(['/tmp/proofline-abc']);
    expect(wrapped.env).toEqual({ PATH: expect.stringContaining('/usr/bin') });
  });

  it('asks bwrap for JSON status on fd 3', () => {
    expect(valuesOf(bwrapArgs, '--json-status-fd')).toEqual(['3']);
    expect(wrapped.statusFd).toBe(3);
    expect(wrapped.killCommand).toBeNull();
  });

  it('runs the command under prlimit: RLIMIT_DATA from memoryLimitMb, NOFILE, NPROC and CPU', () => {
    expect(inner).toEqual([
      '/usr/bin/prlimit',
      `--data=${8192 * 1024 * 1024}`,
      '--nofile=4096',
      '--nproc=1024',
      '--cpu=120:125',
      '--',
      'lean',
      '--json',
      'Candidate.lean',
    ]);
  });

  it('omits the CPU limit when cpuLimitSeconds is null and honours the optional limits', () => {
    const args = createBwrapDriver().wrap('lean', [], { ...spec, cpuLimitSeconds: null, maxOpenFiles: 64, maxProcesses: 32, tmpSizeMb: 8 }).args;
    expect(args.some((arg) => arg.startsWith('--cpu='))).toBe(false);
    expect(args).toEqual(expect.arrayContaining(['--nofile=64', '--nproc=32', String(8 * 1024 * 1024)]));
  });

  it('keeps arguments with spaces, quotes and newlines as single argv entries', () => {
    const odd = createBwrapDriver().wrap('lean', ['a b', '"q"', 'x\ny'], spec).args;
    expect(odd.slice(-3)).toEqual(['a b', '"q"', 'x\ny']);
  });

  it('decodes the launcher’s 128+N into the command’s signal', () => {
    const driver = createBwrapDriver();
    expect(driver.decodeExit({ code: 139, signal: null })).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(driver.decodeExit({ code: 152, signal: null })).toEqual({ code: null, signal: 'SIGXCPU' });
    expect(driver.decodeExit({ code: 1, signal: null })).toEqual({ code: 1, signal: null });
    expect(driver.decodeExit({ code: null, signal: 'SIGKILL' })).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
