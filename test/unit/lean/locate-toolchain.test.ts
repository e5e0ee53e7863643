import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { DEFAULT_HOME_RELATIVE, locateToolchain, parseLeanVersion } from '../../../pipeline/lean/locate-toolchain.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const LEAN_VERSION_LINE = 'Lean (version 4.33.0, x86_64-unknown-linux-gnu, commit 0123456789abcdef, Release)';
const BINS = ['lean', 'lake', 'leanchecker', 'repl', 'proofline-audit'] as const;

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'locate-toolchain-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fake Lean home laid out like setup.sh leaves it: bin/* scripts and project -> a separate dir. */
async function makeHome(home: string, scripts: Partial<Record<(typeof BINS)[number], string>> = {}): Promise<{ home: string; project: string }> {
  const project = join(root, 'project-dir');
  await mkdir(join(project, '.lake', 'build', 'lib', 'lean'), { recursive: true });
  await mkdir(join(home, 'bin'), { recursive: true });
  const defaults: Record<(typeof BINS)[number], string> = {
    lean: `#!/bin/sh\necho '${LEAN_VERSION_LINE}'\n`,
    lake: '#!/bin/sh\necho "$PWD/.lake/build/lib/lean"\n',
    leanchecker: '#!/bin/sh\nexit 0\n',
    repl: '#!/bin/sh\nexit 0\n',
    'proofline-audit': '#!/bin/sh\nexit 0\n',
  };
  for (const name of BINS) {
    const path = join(home, 'bin', name);
    await writeFile(path, scripts[name] ?? defaults[name]);
    await chmod(path, 0o755);
  }
  await symlink(project, join(home, 'project'));
  return { home, project };
}

async function locateError(options: Parameters<typeof locateToolchain>[0]): Promise<Error> {
  const error = await locateToolchain(options).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isProoflineError(error, 'LEAN_NOT_FOUND')).toBe(true);
  return error as Error;
}

describe('locateToolchain', () => {
  it('reports a missing home as LEAN_NOT_FOUND naming the path and both ways to install', async () => {
    const home = join(root, 'nowhere');
    const error = await locateError({ home, repoRoot: root });
    expect(error.message).toContain(home);
    expect(error.message).toContain('npm run setup:lean');
    expect(error.message).toContain('PROOFLINE_LEAN_HOME');
  });

  it('looks in lean-project/.lake/proofline-home under the repo when no home is configured', async () => {
    const missing = await locateError({ home: null, repoRoot: root });
    expect(missing.message).toContain(join(root, DEFAULT_HOME_RELATIVE));
    expect(missing.message).toContain('default location');

    await makeHome(join(root, DEFAULT_HOME_RELATIVE));
    const toolchain = await locateToolchain({ home: null, repoRoot: root });
    expect(toolchain.home).toBe(join(root, DEFAULT_HOME_RELATIVE));
  });

  it('names exactly the bin that is missing and the one that is not executable', async () => {
    const { home } = await makeHome(join(root, 'home'));
    await unlink(join(home, 'bin', 'repl'));
    await chmod(join(home, 'bin', 'leanchecker'), 0o644);
    const error = await locateError({ home, repoRoot: root });
    expect(error.message).toContain('bin/repl is missing');
    expect(error.message).toContain('bin/leanchecker is not executable');
    expect(error.message).not.toContain('bin/lean ');
    expect(error.message).not.toContain('bin/proofline-audit');
  });

  it('resolves a relative home against the repo root and returns the bins under the real home', async () => {
    const { home, project } = await makeHome(join(root, 'homes', 'h1'));
    const toolchain = await locateToolchain({ home: 'homes/h1', repoRoot: root });
    expect(toolchain.home).toBe(home);
    expect(toolchain.leanBin).toBe(join(home, 'bin', 'lean'));
    expect(toolchain.lakeBin).toBe(join(home, 'bin', 'lake'));
    expect(toolchain.leancheckerBin).toBe(join(home, 'bin', 'leanchecker'));
    expect(toolchain.replBin).toBe(join(home, 'bin', 'repl'));
    expect(toolchain.auditBin).toBe(join(home, 'bin', 'proofline-audit'));
    expect(toolchain.projectDir).toBe(project);
  });

  it('parses the version from `lean --version` and LEAN_PATH from `lake env` run in the project', async () => {
    const { home, project } = await makeHome(join(root, 'home'), {
      lake: '#!/bin/sh\n[ "$1 $2 $3" = "env printenv LEAN_PATH" ] || exit 9\nprintf "%s\\n" "$PWD/.lake/build/lib/lean::/nonexistent/lib/lean:"\n',
    });
    const toolchain = await locateToolchain({ home, repoRoot: root });
    expect(toolchain.leanVersion).toBe('4.33.0');
    expect(toolchain.leanPath).toEqual([join(project, '.lake', 'build', 'lib', 'lean'), '/nonexistent/lib/lean']);
    expect(toolchain.readOnlyPaths).not.toContain('/nonexistent/lib/lean');
    expect(toolchain.readOnlyPaths).toContain(home);
    expect(toolchain.readOnlyPaths).toContain(project);
  });

  it('parses release-candidate versions and refuses output that names none', () => {
    expect(parseLeanVersion('Lean (version 4.33.0-rc2, x86_64-unknown-linux-gnu, commit abc, Release)', '/h/bin/lean')).toBe('4.33.0-rc2');
    expect(() => parseLeanVersion('hello\n', '/h/bin/lean')).toThrow(/names no Lean version/);
  });

  it('reads the Mathlib revision from project/lake-manifest.json, null without manifest or Mathlib', async () => {
    const { home, project } = await makeHome(join(root, 'home'));
    expect((await locateToolchain({ home, repoRoot: root })).mathlibRev).toBeNull();

    const packages = [{ name: 'REPL', rev: '1111111111111111111111111111111111111111' }];
    await writeFile(join(project, 'lake-manifest.json'), JSON.stringify({ version: '1.1.0', packages }));
    expect((await locateToolchain({ home, repoRoot: root })).mathlibRev).toBeNull();

    packages.push({ name: 'mathlib', rev: 'abcdefabcdefabcdefabcdefabcdefabcdefabcd' });
    await writeFile(join(project, 'lake-manifest.json'), JSON.stringify({ version: '1.1.0', packages }));
    expect((await locateToolchain({ home, repoRoot: root })).mathlibRev).toBe('abcdefabcdefabcdefabcdefabcdefabcdefabcd');
  });

  it('turns a failing probe into LEAN_NOT_FOUND carrying its stderr', async () => {
    const { home } = await makeHome(join(root, 'home'), { lake: '#!/bin/sh\necho "boom: no lakefile" >&2\nexit 1\n' });
    const error = await locateError({ home, repoRoot: root });
    expect(error.message).toContain('bin/lake env printenv LEAN_PATH');
    expect(error.message).toContain('boom: no lakefile');
  });

  it('gives up on a probe that hangs after its timeout', async () => {
    const { home } = await makeHome(join(root, 'home'), { lean: '#!/bin/sh\nexec sleep 30\n' });
    const started = Date.now();
    const error = await locateError({ home, repoRoot: root, probeTimeoutMs: 300 });
    expect(error.message).toContain('timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('lists the toolchain root of symlinked bins, extra paths, and nothing nested twice', async () => {
    const toolchainBin = join(root, 'elan', 'toolchains', 'v4.33.0', 'bin');
    await mkdir(toolchainBin, { recursive: true });
    await writeFile(join(toolchainBin, 'lean'), `#!/bin/sh\necho '${LEAN_VERSION_LINE}'\n`);
    await chmod(join(toolchainBin, 'lean'), 0o755);
    const { home } = await makeHome(join(root, 'home'));
    await unlink(join(home, 'bin', 'lean'));
    await symlink(join(toolchainBin, 'lean'), join(home, 'bin', 'lean'));
    const extra = join(root, 'extra');
    await mkdir(join(extra, 'inner'), { recursive: true });

    const toolchain = await locateToolchain({
      home,
      repoRoot: root,
      extraReadOnlyPaths: [extra, join(extra, 'inner'), join(root, 'missing-extra')],
    });
    expect(toolchain.leanBin).toBe(join(home, 'bin', 'lean'));
    expect(toolchain.readOnlyPaths).toContain(join(root, 'elan', 'toolchains', 'v4.33.0'));
    expect(toolchain.readOnlyPaths).toContain(extra);
    expect(toolchain.readOnlyPaths).not.toContain(join(extra, 'inner'));
    expect(toolchain.readOnlyPaths).not.toContain(join(root, 'missing-extra'));
    expect(new Set(toolchain.readOnlyPaths).size).toBe(toolchain.readOnlyPaths.length);
  });

  it('adds the installation of the interpreter of `#!/usr/bin/env node` bins, found on the probe PATH', async () => {
    // A `node` of our own in <root>/interp/bin, so the expected root cannot coincide with /usr.
    const interpBin = join(root, 'interp', 'bin');
    await mkdir(interpBin, { recursive: true });
    await writeFile(join(interpBin, 'node'), `#!/bin/sh\nexec '${process.execPath}' "$@"\n`);
    await chmod(join(interpBin, 'node'), 0o755);
    const nodeScript = (body: string): string => `#!/usr/bin/env node\n${body}\n`;
    const { home } = await makeHome(join(root, 'home'), {
      lean: nodeScript(`console.log(${JSON.stringify(LEAN_VERSION_LINE)});`),
      lake: nodeScript('console.log(process.cwd() + "/.lake/build/lib/lean");'),
      leanchecker: nodeScript(''),
      repl: nodeScript(''),
      'proofline-audit': nodeScript(''),
    });
    const env = { PATH: `${interpBin}:/usr/bin:/bin` };
    const toolchain = await locateToolchain({ home, repoRoot: root, env });
    expect(toolchain.leanVersion).toBe('4.33.0');
    expect(toolchain.readOnlyPaths).toContain(join(root, 'interp'));

    const error = await locateError({ home, repoRoot: root, env: { PATH: join(root, 'empty') } });
    expect(error.message).toMatch(/node/);
  });

  const doubleHome = join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean');
  const doubleComplete = BINS.every((name) => existsSync(join(doubleHome, 'bin', name)));
  it.skipIf(!doubleComplete)('locates the recorded-Lean double with its node interpreter readable', async () => {
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const toolchain = await locateToolchain({ home: doubleHome, repoRoot: REPO_ROOT, env });
    expect(toolchain.leanVersion).toBe('4.33.0');
    expect(toolchain.projectDir).toBe(await realpath(join(doubleHome, 'project')));
    expect(toolchain.readOnlyPaths).toContain(dirname(dirname(await realpath(process.execPath))));
  });
});
