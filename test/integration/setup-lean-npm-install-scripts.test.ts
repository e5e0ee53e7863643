/**
 * The newcomer's first command, `npm ci`: npm 11 warns about every dependency install script that
 * package.json's `allowScripts` does not cover. The `node` devDependency (Node 24 for every npm
 * script) has one (preinstall: node installArchSpecificPackage), approved there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function npm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('npm', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `npm install-scripts` exists from npm 11.16 on (the allowScripts policy). */
const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
const [major = 0, minor = 0] = npmVersion.split('.').map(Number);
const hasInstallScriptsCommand = major > 11 || (major === 11 && minor >= 16);

describe('npm ci on a fresh clone', () => {
  it.skipIf(!hasInstallScriptsCommand)(`leaves no install script unreviewed (npm ${npmVersion})`, () => {
    const run = npm(['install-scripts', 'ls', '--json']);

    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ allowScripts: [] });
  });

  it('puts Node 24 from the devDependency first on the PATH of npm scripts', () => {
    const run = npm(['exec', '--', 'node', '--version']);

    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^v24\./);
  });
});
