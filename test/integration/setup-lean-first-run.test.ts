/**
 * The first real run of `npm run setup:lean`, on this machine: lean-project/setup.sh against stand-in
 * curl/elan/lake/lean/leanchecker that behave like the real ones where setup.sh depends on it (see
 * test/fixtures/setup-standins/README.md). Each test names the first-run bug it guards against.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorld, destroyWorld, installElanAndToolchain, lastLine, runSetup, type World, type WorldOptions } from '../fixtures/setup-standins/harness.ts';

const TOOLCHAIN = 'leanprover/lean4:v4.33.0';
const OFFLINE_MESSAGE = 'no route to the Lean release servers';

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

function expectCompleteHome(w: World): void {
  for (const tool of ['lean', 'lake', 'leanchecker', 'repl', 'proofline-audit']) {
    expect(existsSync(join(w.leanHome, 'bin', tool)), `bin/${tool} resolves`).toBe(true);
  }
  expect(realpathSync(join(w.leanHome, 'project'))).toBe(realpathSync(w.projectDir));
}

describe('setup.sh: a fresh install (official elan, --default-toolchain none)', () => {
  it('passes its self-test: leanchecker gets the toolchain as LEAN_SYSROOT instead of asking elan\'s proxy outside any Lean project', async () => {
    const w = await world();
    const run = await runSetup(w);

    expect(run.stderr).not.toContain('uncaught exception');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('setup:lean: self-test passed');
    expect(run.calls).toContain('elan-init.sh -y --no-modify-path --default-toolchain none');
    const checker = run.calls.find((call) => call.startsWith('toolchain-leanchecker Candidate'));
    expect(checker).toBe(`toolchain-leanchecker Candidate (LEAN_SYSROOT=${w.elanHome}/toolchains/leanprover--lean4---v4.33.0)`);
    // Nothing fell back to elan's proxy.
    expect(run.calls.filter((call) => call.startsWith('lean '))).toEqual([]);
    expectCompleteHome(w);
  });

  it('links the REPL, the auditor and the project relatively, so the home survives moving the checkout', async () => {
    const w = await world();
    expect((await runSetup(w)).code).toBe(0);

    expect(readlinkSync(join(w.leanHome, 'bin', 'repl'))).toBe('../../../.lake/packages/REPL/.lake/build/bin/repl');
    expect(readlinkSync(join(w.leanHome, 'bin', 'proofline-audit'))).toBe('../../../.lake/build/bin/proofline-audit');
    expect(readlinkSync(join(w.leanHome, 'project'))).toBe('../..');
    expect(readlinkSync(join(w.leanHome, 'bin', 'lean'))).toBe(`${w.elanHome}/toolchains/leanprover--lean4---v4.33.0/bin/lean`);
  });

  it('works where realpath has no --relative-to (BSD realpath, macOS)', async () => {
    const w = await world({ hasBsdRealpath: true });
    const run = await runSetup(w);

    expect(run.stderr).not.toContain('illegal option');
    expect(run.code).toBe(0);
    expectCompleteHome(w);
    expect(lstatSync(join(w.leanHome, 'bin', 'repl')).isSymbolicLink()).toBe(true);
  });
});

describe('setup.sh when the toolchain is already installed', () => {
  it('reruns cleanly: it asks `elan toolchain list` and does not call `elan toolchain install` again', async () => {
    const w = await world();
    expect((await runSetup(w)).code).toBe(0);

    const rerun = await runSetup(w);
    expect(rerun.stderr).not.toContain(OFFLINE_MESSAGE);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain(`setup:lean: ${TOOLCHAIN} is already installed`);
    expect(rerun.calls).toContain('elan toolchain list');
    expect(rerun.calls.filter((call) => call.startsWith('elan toolchain install'))).toEqual([]);
    expectCompleteHome(w);
  });

  it.each([
    { defaultToolchain: 'none', label: 'and no default toolchain' },
    { defaultToolchain: TOOLCHAIN, label: 'as the default toolchain' },
  ])('works for a user who already has elan and $label', async ({ defaultToolchain }) => {
    const w = await world();
    installElanAndToolchain(w, { defaultToolchain });
    const run = await runSetup(w);

    expect(run.stderr).not.toContain(OFFLINE_MESSAGE);
    expect(run.code).toBe(0);
    expect(run.calls.some((call) => call.startsWith('elan-init.sh'))).toBe(false);
    expectCompleteHome(w);
  });
});

describe('setup.sh when the toolchain download fails', () => {
  it('with the servers reachable, reports elan\'s failure (exit 1), not a missing route', async () => {
    const w = await world();
    const run = await runSetup(w, { STANDIN_ELAN_DOWNLOAD: 'fail' });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('http request returned an unsuccessful status code: 503');
    expect(lastLine(run)).toBe(`setup:lean: \`elan toolchain install ${TOOLCHAIN}\` failed (output above), although the release servers are reachable.`);
    expect(run.stderr).not.toContain(OFFLINE_MESSAGE);
  });

  it('without a route (connectivity check skipped), gives the offline message (exit 3)', async () => {
    const w = await world();
    installElanAndToolchain(w, { hasToolchain: false }); // elan present, so the installer is not what fails
    const run = await runSetup(w, { STANDIN_NETWORK: 'down', PROOFLINE_SETUP_SKIP_NETWORK_CHECK: '1' });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('elan could not reach release.lean-lang.org');
    expect(run.stderr.match(/cannot install the Lean toolchain/g)).toHaveLength(1);
  });
});

describe('setup.sh: every failure ends with a setup:lean line that names it', () => {
  it('`lake env` failing in the self-test (a command substitution) is reported', async () => {
    const w = await world();
    const run = await runSetup(w, { STANDIN_LAKE_ENV: 'fail' });

    expect(run.code).toBe(1);
    expect(lastLine(run)).toMatch(/^setup:lean: self-test: `lake env printenv LEAN_PATH` failed in .*\(output above\)\.$/);
  });

  it('a build that leaves no REPL executable is reported (no silent exit from a failed pipe)', async () => {
    const w = await world();
    const run = await runSetup(w, { STANDIN_LAKE_BUILD_REPL: '0' });

    expect(run.code).toBe(1);
    expect(lastLine(run)).toContain('setup:lean: the REPL was not built (expected ');
    expect(existsSync(w.leanHome)).toBe(false);
  });

  it('a failure the script has no message for still ends with one naming the step', async () => {
    const w = await world();
    // A file where the Mathlib variant's project directory goes: mkdir fails.
    await mkdir(join(w.projectDir, '.lake'), { recursive: true });
    await writeFile(join(w.projectDir, '.lake', 'with-mathlib'), 'not a directory\n');
    const run = await runSetup(w, { PROOFLINE_WITH_MATHLIB: '1' });

    expect(run.code).not.toBe(0);
    expect(lastLine(run)).toMatch(/^setup:lean: stopped while preparing the Lake project: a command failed \(exit \d+; /);
  });
});
