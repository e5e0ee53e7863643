import { readFile } from 'node:fs/promises';
import type { LeanConfig } from '../config.ts';
import { isProoflineError } from '../errors.ts';
import { resolveHostCommand } from '../lean/resolve-host-command.ts';
import { createBwrapDriver } from '../lean/sandbox/bwrap-driver.ts';
import { createContainerDriver } from '../lean/sandbox/container-driver.ts';
import { createNoneDriver } from '../lean/sandbox/none-driver.ts';
import { runProbe } from '../lean/sandbox/run-probe.ts';
import type { SandboxDriver } from '../lean/sandbox/sandbox-driver.ts';
import { fail, ok, warn, type DoctorRow } from './doctor-row.ts';

/** Where the bwrap driver's launcher looks for `bwrap` (its fixed PATH, bwrap-driver.ts). */
export const CHECKER_SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PRLIMIT = '/usr/bin/prlimit';

export const INSTALL_BWRAP_FIX = 'install bubblewrap: `sudo apt-get install -y bubblewrap` (Debian/Ubuntu) or `sudo dnf install -y bubblewrap` (Fedora)';
export const USERNS_FIX =
  'unprivileged user namespaces are blocked. Ubuntu >= 23.10 (AppArmor): allow them for bwrap only with a profile ' +
  '(/etc/apparmor.d/bwrap: `abi <abi/4.0>, include <tunables/global> profile bwrap /usr/bin/bwrap flags=(unconfined) { userns, }`, then `sudo systemctl reload apparmor`), ' +
  'or for every program with `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (persist it in /etc/sysctl.d/); ' +
  'older Debian: `sudo sysctl -w kernel.unprivileged_userns_clone=1`; inside a container: allow user namespaces (or CAP_SYS_ADMIN), or choose `--sandbox container`';

/** Signs, in bwrap's stderr, that the kernel refused to create the namespaces (AppArmor, sysctl, seccomp). */
const NAMESPACE_REFUSAL = /uid map|gid map|Permission denied|Operation not permitted|No permissions to create new namespace|Creating new namespace failed|unshare/i;

export interface SandboxRowsOptions {
  /** PATH of the user running doctor: where `bwrap` is looked up first (then the checker's fixed PATH). */
  userPath: string | undefined;
}

/** Rows for the configured driver, and the driver itself when it works (null when it does not). */
export async function sandboxRows(config: Pick<LeanConfig, 'sandbox' | 'container'>, options: SandboxRowsOptions): Promise<{ rows: DoctorRow[]; driver: SandboxDriver | null }> {
  switch (config.sandbox) {
    case 'bwrap':
      return bwrapRows(options);
    case 'container':
      return containerRows(config.container.engine, config.container.image);
    case 'none':
      return {
        rows: [warn('sandbox', 'none: untrusted Lean code runs unconfined, as this user (chosen explicitly)', 'use `--sandbox bwrap` (or `container`) for model output you do not trust')],
        driver: createNoneDriver(),
      };
  }
}

async function bwrapRows(options: SandboxRowsOptions): Promise<{ rows: DoctorRow[]; driver: SandboxDriver | null }> {
  const rows: DoctorRow[] = [];
  const searchPath = [options.userPath, CHECKER_SEARCH_PATH].filter((p) => p !== undefined && p !== '').join(':');
  const found = resolveHostCommand('bwrap', searchPath, '/');
  const prlimit = await prlimitRow();
  if (!found.ok) {
    rows.push(fail('bwrap', `not installed (${found.reason})`, INSTALL_BWRAP_FIX), prlimit, fail('sandbox probe', 'not run: bwrap is missing', INSTALL_BWRAP_FIX));
    return { rows, driver: null };
  }
  const version = await runProbe(found.path, ['--version'], 10_000);
  if (!version.ok) {
    rows.push(fail('bwrap', `${found.path} does not run: ${version.failure}`, INSTALL_BWRAP_FIX), prlimit, fail('sandbox probe', 'not run: bwrap does not run', INSTALL_BWRAP_FIX));
    return { rows, driver: null };
  }
  rows.push(ok('bwrap', `${version.stdout.trim()} at ${found.path}`));
  const checkers = resolveHostCommand('bwrap', CHECKER_SEARCH_PATH, '/');
  if (!checkers.ok || checkers.path !== found.path) {
    rows.push(
      warn(
        'bwrap (checker)',
        `the checker's launcher looks for bwrap only on ${CHECKER_SEARCH_PATH}, where it finds ${checkers.ok ? checkers.path : 'none'}, not ${found.path}`,
        'install bubblewrap from the distribution (`apt-get install -y bubblewrap`) or link it into /usr/local/bin',
      ),
    );
  }
  rows.push(prlimit);
  const driver = createBwrapDriver({ bwrapPath: found.path, prlimitPath: PRLIMIT });
  try {
    await driver.assertAvailable();
    rows.push(ok('sandbox probe', 'bwrap ran `true` with every namespace unshared and prlimit inside'));
    return { rows, driver };
  } catch (error) {
    const message = (error as Error).message;
    const refused = NAMESPACE_REFUSAL.test(message);
    const sysctls = refused ? await describeUsernsSysctls() : '';
    const fix = refused ? USERNS_FIX : prlimit.status === 'fail' ? prlimit.fix! : INSTALL_BWRAP_FIX;
    rows.push(fail('sandbox probe', `${isProoflineError(error) ? `${error.code}: ` : ''}${shortenCommands(message)}${sysctls}`, fix));
    return { rows, driver: null };
  }
}

/** The probe's message quotes the whole bwrap command line; a row needs only its first word. */
function shortenCommands(message: string): string {
  return message.replace(/`([^`\s]+)\s[^`]{100,}`/g, (_, first: string) => `\`${first} … true\``);
}

async function prlimitRow(): Promise<DoctorRow> {
  const probe = await runProbe(PRLIMIT, ['--version'], 10_000);
  return probe.ok
    ? ok('prlimit', `${probe.stdout.trim().split('\n', 1)[0]} at ${PRLIMIT}`)
    : fail('prlimit', `${PRLIMIT}: ${probe.failure}`, 'install util-linux (`sudo apt-get install -y util-linux`), which ships prlimit');
}

/** What the kernel's user-namespace switches say, when they exist (" (kernel.apparmor_restrict_unprivileged_userns=1)"). */
async function describeUsernsSysctls(): Promise<string> {
  const switches: [string, string][] = [
    ['kernel.apparmor_restrict_unprivileged_userns', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'],
    ['kernel.unprivileged_userns_clone', '/proc/sys/kernel/unprivileged_userns_clone'],
    ['user.max_user_namespaces', '/proc/sys/user/max_user_namespaces'],
  ];
  const values = await Promise.all(switches.map(async ([name, path]) => [name, (await readFile(path, 'utf8').catch(() => null))?.trim()] as const));
  const present = values.filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${value}`);
  return present.length === 0 ? '' : ` (${present.join(', ')})`;
}

async function containerRows(engine: 'docker' | 'podman', image: string): Promise<{ rows: DoctorRow[]; driver: SandboxDriver | null }> {
  const version = await runProbe(engine, ['version', '--format', '{{.Client.Version}}'], 15_000);
  if (!version.ok) {
    return {
      rows: [fail('container engine', version.failure, `install ${engine} and start its daemon (\`sudo systemctl start ${engine}\`), or choose \`--sandbox bwrap\``), fail('container image', 'not checked: no engine', `build it from infra/ (infra/README.md)`)],
      driver: null,
    };
  }
  const rows = [ok('container engine', `${engine} ${version.stdout.trim()}`)];
  const inspect = await runProbe(engine, ['image', 'inspect', '--format', '{{.Id}}', image], 15_000);
  if (!inspect.ok) {
    rows.push(fail('container image', `${image} is not available: ${inspect.failure}`, 'build it from infra/ (infra/README.md) or set `lean.container.image`'));
    return { rows, driver: null };
  }
  rows.push(ok('container image', `${image} (${inspect.stdout.trim().slice(0, 19)})`));
  return { rows, driver: createContainerDriver({ engine, image }) };
}
