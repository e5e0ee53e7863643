import { describe, expect, it } from 'vitest';
import { createContainerDriver } from '../../../../pipeline/lean/sandbox/container-driver.ts';
import type { SandboxSpec } from '../../../../pipeline/lean/sandbox/sandbox-driver.ts';

const spec: SandboxSpec = {
  readOnlyPaths: ['/opt/elan/toolchains/v4.33.0'],
  writablePaths: ['/tmp/proofline-abc'],
  cwd: '/tmp/proofline-abc',
  env: { LEAN_PATH: '/project/.lake/build/lib', PATH: '/usr/bin:/bin' },
  memoryLimitMb: 8192,
  cpuLimitSeconds: 60,
};

function optionValue(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, index) => (arg === flag ? [args[index + 1]!] : []));
}

describe('container driver argv', () => {
  const driver = createContainerDriver({ engine: 'docker', image: 'proofline-lean:v4.33.0' });
  const wrapped = driver.wrap('repl', ['--flag'], spec);
  const imageAt = wrapped.args.indexOf('proofline-lean:v4.33.0');

  it('runs `docker run -i --rm` with no network, then the image and the command', () => {
    expect(wrapped.command).toBe('docker');
    expect(wrapped.args.slice(0, 3)).toEqual(['run', '-i', '--rm']);
    expect(optionValue(wrapped.args, '--network')).toEqual(['none']);
    expect(wrapped.args.slice(imageAt)).toEqual(['proofline-lean:v4.33.0', 'repl', '--flag']);
  });

  it('limits memory without swap, pids, open files and CPU time from the spec', () => {
    const options = wrapped.args.slice(0, imageAt);
    expect(optionValue(options, '--memory')).toEqual(['8192m']);
    expect(optionValue(options, '--memory-swap')).toEqual(['8192m']);
    expect(optionValue(options, '--pids-limit')).toEqual(['1024']);
    expect(optionValue(options, '--ulimit')).toEqual(['nofile=4096:4096', 'cpu=60:65']);
  });

  it('has a read-only root, a bounded /tmp tmpfs, no capabilities and no privilege gain', () => {
    const options = wrapped.args.slice(0, imageAt);
    expect(options).toContain('--read-only');
    expect(optionValue(options, '--tmpfs')).toEqual(['/tmp:rw,size=256m']);
    expect(optionValue(options, '--cap-drop')).toEqual(['ALL']);
    expect(optionValue(options, '--security-opt')).toEqual(['no-new-privileges']);
  });

  it('mounts only the writable dirs (same path), works in the spec cwd with exactly the spec env', () => {
    const options = wrapped.args.slice(0, imageAt);
    expect(optionValue(options, '-v')).toEqual(['/tmp/proofline-abc:/tmp/proofline-abc']);
    expect(optionValue(options, '-w')).toEqual(['/tmp/proofline-abc']);
    expect(optionValue(options, '-e')).toEqual(['LEAN_PATH=/project/.lake/build/lib', 'PATH=/usr/bin:/bin']);
  });

  it('mounts readOnlyPaths read-only when asked to', () => {
    const args = createContainerDriver({ engine: 'podman', image: 'img', mountReadOnlyPaths: true }).wrap('lean', [], spec).args;
    expect(optionValue(args, '-v')).toEqual(['/opt/elan/toolchains/v4.33.0:/opt/elan/toolchains/v4.33.0:ro', '/tmp/proofline-abc:/tmp/proofline-abc']);
  });

  it('names every run and kills it by name, since killing the client leaves the container running', () => {
    const [name] = optionValue(wrapped.args, '--name');
    expect(name).toMatch(/^proofline-lean-[0-9a-f-]{36}$/);
    expect(wrapped.killCommand).toEqual({ command: 'docker', args: ['kill', name] });
    expect(optionValue(driver.wrap('repl', [], spec).args, '--name')[0]).not.toBe(name);
  });

  it('writes the container id next to the writable dir (never inside it), one file per run, for the memory watch', () => {
    const [cidFile] = optionValue(wrapped.args.slice(0, imageAt), '--cidfile');
    const [name] = optionValue(wrapped.args, '--name');
    expect(cidFile).toBe(`/tmp/${name}.cid`);
    expect(cidFile!.startsWith('/tmp/proofline-abc/')).toBe(false);
    expect(optionValue(driver.wrap('repl', [], spec).args, '--cidfile')[0]).not.toBe(cidFile);
  });

  it('uses the podman binary for engine podman and decodes 128+N exits', () => {
    const podman = createContainerDriver({ engine: 'podman', image: 'img' });
    expect(podman.wrap('lean', [], spec).command).toBe('podman');
    expect(podman.decodeExit({ code: 137, signal: null })).toEqual({ code: null, signal: 'SIGKILL' });
    expect(podman.seesHostCommand).toBe(false);
  });
});
