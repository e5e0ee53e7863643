import { ProoflineError } from '../../errors.ts';
import { checkSandboxSpec, type CheckedSandboxSpec } from './check-sandbox-spec.ts';
import { decodeLauncherExit } from './decode-launcher-exit.ts';
import { runProbe } from './run-probe.ts';
import type { SandboxDriver, SandboxedCommand, SandboxSpec } from './sandbox-driver.ts';

export interface BwrapDriverOptions {
  /** The bwrap binary, looked up on a fixed system PATH; default `bwrap`. */
  bwrapPath?: string;
  /** prlimit *inside* the sandbox (under /usr, which is always bound); default `/usr/bin/prlimit`. */
  prlimitPath?: string;
}

/**
 * What a dynamically linked binary needs to run, bound read-only when present. Deliberately not
 * all of /etc (no resolv.conf, hosts, passwd), nor /root, /home, /opt or /var.
 */
const SYSTEM_PATHS = ['/usr', '/bin', '/lib', '/lib64', '/lib32', '/sbin', '/etc/ld.so.cache', '/etc/alternatives'];
const STATUS_FD = 3;
const LAUNCHER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const INSTALL_HINT = 'install it with `apt-get install -y bubblewrap`';
const NAMESPACE_HINT =
  'bwrap is installed but cannot create namespaces here (inside a container it needs user namespaces or CAP_SYS_ADMIN; check `sysctl kernel.unprivileged_userns_clone` and the seccomp/AppArmor profile), or choose `lean.sandbox: container`';

/**
 * bubblewrap: every namespace unshared (no network: only a private loopback), no capabilities, a
 * read-only view of the system and of `readOnlyPaths`, `writablePaths` bound read-write, a private
 * size-bounded tmpfs on /tmp, the rest of the root read-only and empty. Inside, prlimit sets
 * RLIMIT_DATA/NOFILE/NPROC(/CPU) before exec'ing the command. `--die-with-parent` plus the pid
 * namespace make the whole sandbox die with the launcher.
 */
export function createBwrapDriver(options: BwrapDriverOptions = {}): SandboxDriver {
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const prlimitPath = options.prlimitPath ?? '/usr/bin/prlimit';
  let available: Promise<void> | null = null;

  const driver: SandboxDriver = {
    name: 'bwrap',
    seesHostCommand: true,
    wrap(command, args, spec) {
      return wrapInBwrap(bwrapPath, prlimitPath, command, args, spec, STATUS_FD);
    },
    decodeExit: decodeLauncherExit,
    assertAvailable() {
      available ??= probeBwrap(bwrapPath, prlimitPath).catch((error: unknown) => {
        available = null;
        throw error;
      });
      return available;
    },
  };
  return driver;
}

function wrapInBwrap(
  bwrapPath: string,
  prlimitPath: string,
  command: string,
  args: readonly string[],
  spec: SandboxSpec,
  statusFd: number | null,
): SandboxedCommand {
  const checked = checkSandboxSpec(spec, 'bwrap');
  const launcherArgs = bwrapArgs(checked);
  if (statusFd !== null) launcherArgs.push('--json-status-fd', String(statusFd));
  return {
    command: bwrapPath,
    args: [...launcherArgs, '--', ...prlimitArgs(prlimitPath, checked), '--', command, ...args],
    env: { PATH: LAUNCHER_PATH },
    cwd: '/',
    statusFd,
    killCommand: null,
  };
}

function bwrapArgs(spec: CheckedSandboxSpec): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  for (const path of SYSTEM_PATHS) args.push('--ro-bind-try', path, path);
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(spec.tmpSizeMb * 1024 * 1024), '--tmpfs', '/tmp');
  // Shallow paths first, so a writable dir inside a read-only one (or the reverse) is mounted on top.
  const binds = [
    ...spec.readOnlyPaths.map((path) => ({ path, flag: '--ro-bind' })),
    ...spec.writablePaths.map((path) => ({ path, flag: '--bind' })),
  ].sort((a, b) => depth(a.path) - depth(b.path));
  for (const { path, flag } of binds) args.push(flag, path, path);
  // The root and /dev are bwrap-made tmpfs: writable and unbounded unless remounted read-only.
  args.push('--remount-ro', '/dev', '--remount-ro', '/');
  args.push('--chdir', spec.cwd, '--clearenv');
  for (const [key, value] of spec.env) args.push('--setenv', key, value);
  return args;
}

function prlimitArgs(prlimitPath: string, spec: CheckedSandboxSpec): string[] {
  const args = [
    prlimitPath,
    `--data=${spec.memoryLimitMb * 1024 * 1024}`,
    `--nofile=${spec.maxOpenFiles}`,
    `--nproc=${spec.maxProcesses}`,
  ];
  if (spec.cpuLimitSeconds !== null) args.push(`--cpu=${spec.cpuLimitSeconds}:${spec.cpuLimitSeconds + 5}`);
  return args;
}

function depth(path: string): number {
  return path.split('/').length;
}

async function probeBwrap(bwrapPath: string, prlimitPath: string): Promise<void> {
  const version = await runProbe(bwrapPath, ['--version']);
  if (!version.ok) {
    throw new ProoflineError('SANDBOX_UNAVAILABLE', `The bwrap sandbox is unavailable: ${version.failure}; ${INSTALL_HINT}`);
  }
  const probeSpec: SandboxSpec = { readOnlyPaths: [], writablePaths: [], cwd: '/tmp', env: {}, memoryLimitMb: 256, cpuLimitSeconds: 10 };
  const wrapped = wrapInBwrap(bwrapPath, prlimitPath, '/usr/bin/true', [], probeSpec, null);
  const run = await runProbe(wrapped.command, wrapped.args);
  if (!run.ok) {
    throw new ProoflineError('SANDBOX_UNAVAILABLE', `The bwrap sandbox cannot run \`true\`: ${run.failure}; ${NAMESPACE_HINT}`, {
      details: { bwrapVersion: version.stdout.trim() },
    });
  }
}
