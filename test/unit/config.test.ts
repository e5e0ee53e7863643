import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipeline/config.ts';
import { isProoflineError } from '../../pipeline/errors.ts';

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-config-'));
  const file = join(dir, 'config.yaml');
  await writeFile(file, text);
  return file;
}

describe('loadConfig', () => {
  it('fills every default and deep-freezes the result', () => {
    const config = loadConfig({ env: {} });
    expect(config.lean.runner).toBe('repl');
    expect(config.lean.sandbox).toBe('bwrap');
    expect(config.lean.confirm).toBe(true);
    expect(Object.isFrozen(config.lean.pool)).toBe(true);
    expect(() => {
      (config.lean as { timeout_ms: number }).timeout_ms = 1;
    }).toThrow();
  });

  it('layers file < environment < overrides', async () => {
    const file = await configFile('lean:\n  runner: cli\n  timeout_ms: 5000\n  pool: { size: 3 }\n');
    const config = loadConfig({
      file,
      env: { PROOFLINE_CONFIG__lean__timeout_ms: '7000', PROOFLINE_LEAN_HOME: '/opt/lean' },
      overrides: { lean: { runner: 'repl', policy: undefined } },
    });
    expect(config.lean).toMatchObject({ runner: 'repl', timeout_ms: 7000, home: '/opt/lean', policy: 'strict' });
    expect(config.lean.pool.size).toBe(3);
  });

  it('names the key, the expectation and the received value for each problem', () => {
    let error: unknown;
    try {
      loadConfig({ env: { PROOFLINE_CONFIG__lean__timeout_ms: '-1', PROOFLINE_SANDBOX: 'chroot' } });
    } catch (e) {
      error = e;
    }
    expect(isProoflineError(error, 'CONFIG_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/`lean\.timeout_ms`: .*\(got -1\)/);
    expect(message).toMatch(/`lean\.sandbox`: .*\(got "chroot"\)/);
  });

  it('rejects unknown keys instead of ignoring a typo', async () => {
    const file = await configFile('lean:\n  timeout: 5000\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key\(s\) `timeout`/);
  });

  it('reports unreadable and non-mapping files as CONFIG_INVALID', async () => {
    expect(() => loadConfig({ file: '/nonexistent/proofline.yaml', env: {} })).toThrow(/Cannot read config file/);
    const file = await configFile('- just\n- a list\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/expected a YAML mapping/);
  });
});
