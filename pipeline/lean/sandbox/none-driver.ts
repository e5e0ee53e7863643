import type { SandboxDriver } from './sandbox-driver.ts';

/**
 * No confinement: the command runs as is, with exactly `spec.env` and `spec.cwd` and no rlimits.
 * For trusted local use only; the config never selects it by default. The process layer still owns
 * the process: own group, wall clock, RSS watch, group kill.
 */
export function createNoneDriver(): SandboxDriver {
  return {
    name: 'none',
    seesHostCommand: true,
    wrap(command, args, spec) {
      return { command, args: [...args], env: { ...spec.env }, cwd: spec.cwd, statusFd: null, killCommand: null };
    },
    decodeExit(launcher) {
      return { code: launcher.code, signal: launcher.signal };
    },
    async assertAvailable() {},
  };
}
