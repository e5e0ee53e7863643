import { describe, expect, it } from 'vitest';
import { createBwrapDriver } from '../../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { createContainerDriver } from '../../../../pipeline/lean/sandbox/container-driver.ts';
import type { SandboxSpec } from '../../../../pipeline/lean/sandbox/sandbox-driver.ts';

const good: SandboxSpec = {
  readOnlyPaths: ['/opt/lean'],
  writablePaths: ['/tmp/work'],
  cwd: '/tmp/work',
  env: { PATH: '/usr/bin' },
  memoryLimitMb: 1024,
  cpuLimitSeconds: null,
};

const drivers = [createBwrapDriver(), createContainerDriver({ engine: 'docker', image: 'img' })];

describe.each(drivers)('$name driver rejects a bad spec with CONFIG_INVALID', (driver) => {
  const cases: Array<[string, Partial<SandboxSpec>]> = [
    ['a relative read-only path', { readOnlyPaths: ['lean-project'] }],
    ['the host root as a writable path', { writablePaths: ['/'] }],
    ['the host root spelled with dots', { readOnlyPaths: ['/opt/..'] }],
    ['a relative cwd', { cwd: 'work' }],
    ['a cwd the sandbox cannot see', { cwd: '/home/someone' }],
    ['an env name with `=`', { env: { 'A=B': 'x' } }],
    ['a zero memory limit', { memoryLimitMb: 0 }],
    ['a fractional cpu limit', { cpuLimitSeconds: 1.5 }],
    ['a negative process limit', { maxProcesses: -1 }],
  ];
  it.each(cases)('%s', (_label, override) => {
    expect(() => driver.wrap('lean', [], { ...good, ...override })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('accepts a cwd below a bound path and normalizes trailing slashes', () => {
    const wrapped = driver.wrap('lean', [], { ...good, readOnlyPaths: ['/opt/lean/'], cwd: '/opt/lean/project' });
    expect(wrapped.args).toContain('/opt/lean/project');
    expect(wrapped.args.some((arg) => arg.includes('/opt/lean/:') || arg === '/opt/lean/')).toBe(false);
  });
});
