import { posix } from 'node:path';
import { ProoflineError } from '../../errors.ts';
import { SANDBOX_DEFAULTS, type SandboxSpec } from './sandbox-driver.ts';

/** A spec with normalized paths and every default filled in; what a driver turns into argv. */
export interface CheckedSandboxSpec {
  readOnlyPaths: string[];
  writablePaths: string[];
  cwd: string;
  env: Array<[string, string]>;
  memoryLimitMb: number;
  cpuLimitSeconds: number | null;
  maxProcesses: number;
  maxOpenFiles: number;
  tmpSizeMb: number;
}

/**
 * Validates a spec once, at the driver's entry, so that argv never carries a relative path, `/`
 * itself (which would expose the whole host), an env entry bwrap or docker would misread, or a
 * cwd the sandbox cannot see. Throws CONFIG_INVALID: a bad spec is a programming or config error.
 */
export function checkSandboxSpec(spec: SandboxSpec, driverName: string): CheckedSandboxSpec {
  const fail = (message: string): never => {
    throw new ProoflineError('CONFIG_INVALID', `Invalid ${driverName} sandbox spec: ${message}`);
  };
  const readOnlyPaths = spec.readOnlyPaths.map((path) => normalizeMountPath(path, 'readOnlyPaths', fail));
  const writablePaths = spec.writablePaths.map((path) => normalizeMountPath(path, 'writablePaths', fail));
  if (!posix.isAbsolute(spec.cwd)) fail(`expected \`cwd\` to be an absolute path, got ${JSON.stringify(spec.cwd)}`);
  const cwd = posix.normalize(spec.cwd);
  const visibleRoots = [...readOnlyPaths, ...writablePaths, '/tmp'];
  if (!visibleRoots.some((root) => isSameOrBelow(cwd, root))) {
    fail(`expected \`cwd\` ${cwd} to be inside readOnlyPaths, writablePaths or /tmp, got roots ${visibleRoots.join(', ')}`);
  }
  const env = Object.entries(spec.env).map(([key, value]): [string, string] => {
    if (key === '' || key.includes('=') || key.includes('\0')) fail(`expected env names without \`=\` or NUL, got ${JSON.stringify(key)}`);
    if (value.includes('\0')) fail(`expected env value of ${key} without NUL bytes`);
    return [key, value];
  });
  return {
    readOnlyPaths,
    writablePaths,
    cwd,
    env,
    memoryLimitMb: positiveInteger(spec.memoryLimitMb, 'memoryLimitMb', fail),
    cpuLimitSeconds: spec.cpuLimitSeconds === null ? null : positiveInteger(spec.cpuLimitSeconds, 'cpuLimitSeconds', fail),
    maxProcesses: positiveInteger(spec.maxProcesses ?? SANDBOX_DEFAULTS.maxProcesses, 'maxProcesses', fail),
    maxOpenFiles: positiveInteger(spec.maxOpenFiles ?? SANDBOX_DEFAULTS.maxOpenFiles, 'maxOpenFiles', fail),
    tmpSizeMb: positiveInteger(spec.tmpSizeMb ?? SANDBOX_DEFAULTS.tmpSizeMb, 'tmpSizeMb', fail),
  };
}

export function isSameOrBelow(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function normalizeMountPath(path: string, field: string, fail: (message: string) => never): string {
  if (!posix.isAbsolute(path) || path.includes('\0')) fail(`expected \`${field}\` entries to be absolute paths, got ${JSON.stringify(path)}`);
  const normalized = posix.normalize(path).replace(/\/+$/, '');
  if (normalized === '') fail(`\`${field}\` must not contain \`/\` (it would expose the whole host)`);
  return normalized;
}

function positiveInteger(value: number, field: string, fail: (message: string) => never): number {
  if (!Number.isSafeInteger(value) || value <= 0) fail(`expected \`${field}\` to be a positive integer, got ${String(value)}`);
  return value;
}
