import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SETUP = join(REPO_ROOT, 'lean-project', 'setup.sh');
const DEFAULT_HOME = join(REPO_ROOT, 'lean-project', '.lake', 'proofline-home');

interface SetupRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'setup-lean-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs setup.sh with a private HOME/ELAN_HOME so that nothing outside `scratch` can be touched. */
function runSetup(extraEnv: Record<string, string>): Promise<SetupRun> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [SETUP], {
      // PROOFLINE_SANDBOX=none: the sandbox check comes first and has its own tests
      // (setup-lean-sandbox-check.test.ts); here the network is the subject, on any machine.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, ELAN_HOME: join(scratch, 'elan'), TMPDIR: scratch, PROOFLINE_SANDBOX: 'none', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

function expectOfflineMessage(run: SetupRun): void {
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain('no route to the Lean release servers');
  expect(run.stderr).toContain('npm run setup:lean');
  expect(run.stderr).toContain('PROOFLINE_LEAN_HOME');
  expect(run.stderr).toContain('infra/lean.Dockerfile');
  // One message, printed once.
  expect(run.stderr.match(/cannot install the Lean toolchain/g)).toHaveLength(1);
  expect(run.elapsedMs).toBeLessThan(15_000);
}

/** Whether this machine can reach the real download server (then the offline path cannot be shown). */
function githubReachable(): boolean {
  const probe = spawnSync('curl', ['-sS', '-o', '/dev/null', '--connect-timeout', '3', '--max-time', '5', 'https://github.com'], { timeout: 8_000 });
  return probe.status === 0;
}

describe('npm run setup:lean without a route to the release servers', () => {
  it('stops within seconds with one message saying what failed and how to proceed', async () => {
    const homeExisted = existsSync(DEFAULT_HOME);
    const run = await runSetup({ PROOFLINE_SETUP_PROBE_URL: 'http://127.0.0.1:9/' });
    expectOfflineMessage(run);
    expect(run.stderr).toContain('could not reach http://127.0.0.1:9/');
    expect(existsSync(join(scratch, 'elan'))).toBe(false);
    expect(existsSync(DEFAULT_HOME)).toBe(homeExisted);
  });

  const reachable = githubReachable();
  if (reachable) console.warn('skipping the default-server offline check: github.com is reachable from this machine, so setup.sh would really install Lean');
  it.skipIf(reachable)('fails fast against the default server on a machine with no route to GitHub', async () => {
    const run = await runSetup({});
    expectOfflineMessage(run);
    expect(run.stderr).toContain('could not reach https://github.com');
  });
});
