import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProoflineError } from '../../errors.ts';
import { checkSandboxSpec, type CheckedSandboxSpec } from './check-sandbox-spec.ts';
import { decodeLauncherExit } from './decode-launcher-exit.ts';
import { runProbe } from './run-probe.ts';
import type { SandboxDriver } from './sandbox-driver.ts';

export interface ContainerDriverOptions {
  engine: 'docker' | 'podman';
  /** An image holding the Lean toolchain, the REPL and the Lake project (infra/). */
  image: string;
  /**
   * Also mount `spec.readOnlyPaths` (read-only, same path). Off by default: the image carries the
   * toolchain, and host toolchain paths usually do not exist in it.
   */
  mountReadOnlyPaths?: boolean;
  /** Name prefix of the containers (each run gets `<prefix>-<uuid>`, used by the kill command). */
  namePrefix?: string;
}

const LAUNCHER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * `docker|podman run -i --rm`: no network, read-only root, a size-bounded tmpfs on /tmp, memory
 * (without swap) and pids limits from the spec, no capabilities, no privilege gain. The REPL
 * protocol runs over the container's stdin/stdout. Killing the `docker run` client does not stop
 * the container, so every run is named and `killCommand` is `<engine> kill <name>`.
 *
 * The container's processes are not descendants of the client, so the RSS watch of lean-process.ts
 * would see only the client: every run passes `--cidfile`, returned as `containerIdFile`, and
 * process-tree.ts reads the memory of the container's cgroup from the id the engine writes there. The file sits NEXT TO the first
 * writable directory, never inside it (the container can write there and could fake the id), in a
 * directory the checker owns and removes (a temp root).
 */
export function createContainerDriver(options: ContainerDriverOptions): SandboxDriver {
  const { engine, image } = options;
  const namePrefix = options.namePrefix ?? 'proofline-lean';
  let available: Promise<void> | null = null;
  return {
    name: 'container',
    seesHostCommand: false,
    wrap(command, args, spec) {
      const checked = checkSandboxSpec(spec, 'container');
      const name = `${namePrefix}-${randomUUID()}`;
      const cidFile = join(checked.writablePaths.length > 0 ? dirname(checked.writablePaths[0]!) : tmpdir(), `${name}.cid`);
      return {
        command: engine,
        args: ['run', ...runOptions(checked, name, cidFile, options.mountReadOnlyPaths ?? false), image, command, ...args],
        env: { PATH: LAUNCHER_PATH },
        cwd: '/',
        statusFd: null,
        killCommand: { command: engine, args: ['kill', name] },
        containerIdFile: cidFile,
      };
    },
    decodeExit: decodeLauncherExit,
    assertAvailable() {
      available ??= probeEngine(engine, image).catch((error: unknown) => {
        available = null;
        throw error;
      });
      return available;
    },
  };
}

function runOptions(spec: CheckedSandboxSpec, name: string, cidFile: string, mountReadOnlyPaths: boolean): string[] {
  const args = ['-i', '--rm', '--name', name, '--cidfile', cidFile, '--init', '--network', 'none'];
  args.push('--memory', `${spec.memoryLimitMb}m`, '--memory-swap', `${spec.memoryLimitMb}m`);
  args.push('--pids-limit', String(spec.maxProcesses), '--ulimit', `nofile=${spec.maxOpenFiles}:${spec.maxOpenFiles}`);
  if (spec.cpuLimitSeconds !== null) args.push('--ulimit', `cpu=${spec.cpuLimitSeconds}:${spec.cpuLimitSeconds + 5}`);
  args.push('--read-only', '--tmpfs', `/tmp:rw,size=${spec.tmpSizeMb}m`);
  args.push('--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  if (mountReadOnlyPaths) for (const path of spec.readOnlyPaths) args.push('-v', `${path}:${path}:ro`);
  for (const path of spec.writablePaths) args.push('-v', `${path}:${path}`);
  args.push('-w', spec.cwd);
  for (const [key, value] of spec.env) args.push('-e', `${key}=${value}`);
  return args;
}

async function probeEngine(engine: 'docker' | 'podman', image: string): Promise<void> {
  // `docker version` exits non-zero when the daemon is unreachable; `podman version` needs none.
  const version = await runProbe(engine, ['version']);
  if (!version.ok) {
    throw new ProoflineError(
      'SANDBOX_UNAVAILABLE',
      `The container sandbox is unavailable: ${version.failure}; install ${engine} and start its daemon, or choose \`lean.sandbox: bwrap\``,
    );
  }
  const inspect = await runProbe(engine, ['image', 'inspect', image]);
  if (!inspect.ok) {
    throw new ProoflineError(
      'SANDBOX_UNAVAILABLE',
      `The container sandbox has no image ${image}: ${inspect.failure}; build it from infra/ or set \`lean.container.image\``,
    );
  }
}
