/**
 * `npm run setup:lean` checks the default sandbox first, before anything is downloaded: bwrap installed
 * and able to create namespaces, prlimit installed. Stand-in bwrap/prlimit (test/fixtures/setup-standins)
 * fail the way the real ones do; the last test runs the real ones when this machine has them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorld, destroyWorld, lastLine, runSetup, type SetupRun, type World, type WorldOptions } from '../fixtures/setup-standins/harness.ts';

let worlds: World[] = [];

async function world(options: WorldOptions = {}): Promise<World> {
  const created = await createWorld(options);
  worlds.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(worlds.map(destroyWorld));
  worlds = [];
});

/** The sandbox cannot work: exit 4, the way out named, and nothing downloaded or installed. */
function expectStoppedBeforeDownloading(run: SetupRun, w: World): void {
  expect(run.code).toBe(4);
  expect(run.stderr).toContain('the default sandbox (bwrap) cannot work on this machine');
  expect(run.stderr).toContain('--sandbox none');
  expect(run.stderr).toContain('PROOFLINE_SANDBOX=none');
  expect(run.calls.filter((call) => /^(curl|elan|toolchain-)/.test(call))).toEqual([]);
  expect(existsSync(w.elanHome)).toBe(false);
}

describe('setup.sh sandbox check', () => {
  it('bwrap missing: names the package to install', async () => {
    const w = await world({ bwrap: 'missing' });
    const run = await runSetup(w);

    expectStoppedBeforeDownloading(run, w);
    expect(run.stderr).toMatch(/ {2}bwrap +MISSING +needed by the default sandbox; install bubblewrap \(Debian\/Ubuntu: sudo apt-get install bubblewrap/);
  });

  it('prlimit missing: names util-linux', async () => {
    const w = await world({ hasPrlimit: false });
    const run = await runSetup(w);

    expectStoppedBeforeDownloading(run, w);
    expect(run.stderr).toMatch(/ {2}prlimit +MISSING +.*install util-linux/);
  });

  it('bwrap blocked by Ubuntu\'s AppArmor user-namespace restriction: shows bwrap\'s error and how to allow it', async () => {
    const w = await world({ bwrap: 'apparmor' });
    const run = await runSetup(w);

    expectStoppedBeforeDownloading(run, w);
    expect(run.stderr).toMatch(/ {2}namespaces +BLOCKED +bwrap: setting up uid map: Permission denied/);
    expect(run.stderr).toContain('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
    expect(run.stderr).toContain('sudo apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict');
  });

  it('unprivileged user namespaces switched off: shows bwrap\'s error and the sysctl', async () => {
    const w = await world({ bwrap: 'nouserns' });
    const run = await runSetup(w);

    expectStoppedBeforeDownloading(run, w);
    expect(run.stderr).toContain('BLOCKED   bwrap: No permissions to creating new namespace');
    expect(run.stderr).toContain('sudo sysctl -w kernel.unprivileged_userns_clone=1');
  });

  it('PROOFLINE_SANDBOX=none: reports the missing sandbox and carries on', async () => {
    const w = await world({ bwrap: 'missing', hasPrlimit: false });
    const run = await runSetup(w, { PROOFLINE_SANDBOX: 'none' });

    expect(run.stderr).toMatch(/ {2}bwrap +MISSING +not needed: PROOFLINE_SANDBOX=none/);
    expect(run.stderr).toContain('continuing: PROOFLINE_SANDBOX=none');
    expect(run.code).toBe(0);
  });

  it('PROOFLINE_SANDBOX=container: does not look for bwrap', async () => {
    const w = await world({ bwrap: 'apparmor' });
    const run = await runSetup(w, { PROOFLINE_SANDBOX: 'container' });

    expect(run.calls.filter((call) => call.startsWith('bwrap'))).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('an unknown PROOFLINE_SANDBOX is refused before anything else', async () => {
    const w = await world();
    const run = await runSetup(w, { PROOFLINE_SANDBOX: 'firejail' });

    expect(run.code).toBe(1);
    expect(lastLine(run)).toBe('setup:lean: PROOFLINE_SANDBOX must be bwrap, container or none, got `firejail`.');
    expect(run.calls).toEqual([]);
  });

  const realBwrap = spawnSync('bash', ['-c', 'type -P bwrap'], { encoding: 'utf8' }).stdout.trim();
  const realPrlimit = spawnSync('bash', ['-c', 'type -P prlimit'], { encoding: 'utf8' }).stdout.trim();
  const bwrapWorks = realBwrap !== '' && realPrlimit !== ''
    && spawnSync(realBwrap, ['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true']).status === 0;
  it.skipIf(!bwrapWorks)('the probe\'s arguments work with the real bwrap and prlimit of this machine', async () => {
    const w = await world({ isOnline: false });
    const standinBin = join(w.root, 'standin-bin');
    await rm(join(standinBin, 'bwrap'));
    await rm(join(standinBin, 'prlimit'));
    await symlink(realBwrap, join(standinBin, 'bwrap'));
    await symlink(realPrlimit, join(standinBin, 'prlimit'));
    const run = await runSetup(w);

    expect(run.stderr).toMatch(/ {2}namespaces +ok +bwrap can create/);
    expect(run.code).toBe(3); // offline, after the check
  });
});
