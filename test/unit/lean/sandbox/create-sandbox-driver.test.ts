import { describe, expect, it } from 'vitest';
import { LeanConfigSchema } from '../../../../pipeline/config.ts';
import { createSandboxDriver } from '../../../../pipeline/lean/sandbox/create-sandbox-driver.ts';
import { createNoneDriver } from '../../../../pipeline/lean/sandbox/none-driver.ts';

describe('createSandboxDriver', () => {
  it('defaults to bwrap', () => {
    expect(createSandboxDriver(LeanConfigSchema.parse({})).name).toBe('bwrap');
  });

  it('builds the container driver with the configured engine and image', () => {
    const driver = createSandboxDriver(LeanConfigSchema.parse({ sandbox: 'container', container: { engine: 'podman', image: 'my-lean:1' } }));
    const wrapped = driver.wrap('lean', [], { readOnlyPaths: [], writablePaths: ['/w'], cwd: '/w', env: {}, memoryLimitMb: 512, cpuLimitSeconds: null });
    expect(driver.name).toBe('container');
    expect(wrapped.command).toBe('podman');
    expect(wrapped.args).toContain('my-lean:1');
  });

  it('builds the none driver only when chosen explicitly', () => {
    expect(createSandboxDriver(LeanConfigSchema.parse({ sandbox: 'none' })).name).toBe('none');
  });
});

describe('none driver', () => {
  it('runs the command as is, with exactly the spec env and cwd', () => {
    const wrapped = createNoneDriver().wrap('lean', ['--json', 'A.lean'], {
      readOnlyPaths: [], writablePaths: [], cwd: '/tmp/x', env: { LEAN_PATH: '/l' }, memoryLimitMb: 512, cpuLimitSeconds: null,
    });
    expect(wrapped).toEqual({ command: 'lean', args: ['--json', 'A.lean'], env: { LEAN_PATH: '/l' }, cwd: '/tmp/x', statusFd: null, killCommand: null });
  });
});
