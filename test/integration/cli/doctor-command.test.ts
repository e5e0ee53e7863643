import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeBwrap } from '../sandbox/sandbox-kit.ts';
import { cli, RECORDED_LEAN_HOME, workDir } from './cli-kit.ts';

interface Row {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skipped';
  detail: string;
  fix: string | null;
}

/** No AWS settings leak in from the machine; the credential chain never leaves loopback (no IMDS). */
const cleanAws = {
  AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_REGION: '', AWS_DEFAULT_REGION: '',
  AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_S3: '', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
};
const leanEnv = { ...cleanAws, PROOFLINE_LEAN_HOME: RECORDED_LEAN_HOME };

async function doctor(args: string[], env: Record<string, string>): Promise<{ code: number; rows: Row[]; stderr: string }> {
  const result = await cli(['doctor', '--json', ...args], env);
  const report = JSON.parse(result.stdout) as { ok: boolean; rows: Row[] };
  expect(report.ok).toBe(result.code === 0);
  return { code: result.code, rows: report.rows, stderr: result.stderr };
}

const row = (rows: Row[], name: string): Row => {
  const found = rows.find((r) => r.name === name);
  expect(found, `row ${name} in ${JSON.stringify(rows.map((r) => r.name))}`).toBeDefined();
  return found!;
};

describeBwrap('proofline doctor: Lean and the bwrap sandbox', { timeout: 120_000 }, () => {
  it('reports every row ok with the recorded-Lean home and bwrap, and exits 0', async () => {
    const { code, rows } = await doctor(['--sandbox', 'bwrap'], leanEnv);
    expect(code, JSON.stringify(rows, null, 1)).toBe(0);
    for (const name of ['policy', 'Lean home', 'Lean toolchain', 'REPL', 'leanchecker', 'auditor', 'Mathlib', 'bwrap', 'prlimit', 'sandbox probe']) expect(row(rows, name).status).toBe('ok');
    expect(row(rows, 'Lean toolchain').detail).toContain('4.33.0');
    expect(row(rows, 'REPL').detail).toMatch(/answered a command .* \(sandbox bwrap\)/);
    for (const name of ['AWS credentials', 'Bedrock', 'S3']) expect(row(rows, name)).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/not|no /) });
  });

  it('prints a table with the fixes when --json is not given', async () => {
    const result = await cli(['doctor', '--sandbox', 'bwrap'], { ...cleanAws, PROOFLINE_LEAN_HOME: join(RECORDED_LEAN_HOME, 'no-such-dir') });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^check\s+status\s+detail/m);
    expect(result.stdout).toMatch(/^Lean home\s+fail\s+LEAN_NOT_FOUND/m);
    expect(result.stdout).toMatch(/How to fix:\n {2}Lean home: run `npm run setup:lean`/);
  });

  it('fails the sandbox row and names the AppArmor fix when bwrap cannot set up its uid map', async () => {
    const dir = await workDir();
    const bin = join(dir, 'bin');
    await mkdir(bin);
    // A stand-in that behaves like bwrap under Ubuntu's AppArmor restriction of unprivileged user namespaces.
    await writeFile(join(bin, 'bwrap'), '#!/bin/sh\nif [ "$1" = --version ]; then echo "bubblewrap 0.9.0"; exit 0; fi\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n');
    await chmod(join(bin, 'bwrap'), 0o755);
    const { code, rows } = await doctor(['--sandbox', 'bwrap'], { ...leanEnv, PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(code).toBe(1);
    expect(row(rows, 'bwrap').detail).toContain(join(bin, 'bwrap'));
    const probe = row(rows, 'sandbox probe');
    expect(probe.status).toBe('fail');
    expect(probe.detail).toContain('setting up uid map: Permission denied');
    expect(probe.fix).toContain('sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
    expect(probe.fix).toMatch(/apparmor\.d\/bwrap.*userns/);
    expect(row(rows, 'REPL').status).toBe('skipped');
  });
});

describe('proofline doctor: no Lean home', { timeout: 120_000 }, () => {
  it('fails the Lean home row with LEAN_NOT_FOUND and the install command, skips what needs it, and exits 1', async () => {
    const dir = await workDir();
    const { code, rows } = await doctor(['--sandbox', 'none'], { ...cleanAws, PROOFLINE_LEAN_HOME: join(dir, 'no-lean') });
    expect(code).toBe(1);
    expect(row(rows, 'Lean home')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^LEAN_NOT_FOUND: No Lean home at /), fix: expect.stringContaining('npm run setup:lean') });
    for (const name of ['Lean toolchain', 'REPL', 'auditor']) expect(row(rows, name).status).toBe('skipped');
    expect(row(rows, 'sandbox').status).toBe('warn');
    expect(rows.filter((r) => r.status === 'fail').map((r) => r.name)).toEqual(['Lean home']);
  });
});

describe('proofline doctor: AWS (loopback only)', { timeout: 120_000 }, () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    server = null;
  });

  /** A loopback HTTP server answering every request with `status`; returns its URL and the requests seen. */
  async function listen(status: number): Promise<{ url: string; seen: IncomingMessage[] }> {
    const seen: IncomingMessage[] = [];
    server = createServer((request, response) => {
      seen.push(request);
      response.writeHead(status, { 'content-type': 'application/json' }).end('{"message":"loopback"}');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  async function closedPortUrl(): Promise<string> {
    const { url } = await listen(200);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    return url;
  }

  const bedrockEnv = (endpoint: string): Record<string, string> => ({
    ...leanEnv,
    PROOFLINE_CONFIG__sampler: `{kind: bedrock, bedrock: {region: us-west-2, model_id: "us.anthropic.test", endpoint: "${endpoint}"}}`,
    AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
    AWS_SECRET_ACCESS_KEY: 'loopback-secret',
  });

  it('reports credentials, region and a reachable Bedrock endpoint', async () => {
    const { url, seen } = await listen(404);
    const { code, rows } = await doctor(['--sandbox', 'none'], bedrockEnv(url));
    expect(row(rows, 'AWS credentials')).toMatchObject({ status: 'ok', detail: expect.stringContaining('…TEST') });
    expect(row(rows, 'AWS credentials').detail).not.toContain('AKIDLOOPBACKTEST');
    expect(row(rows, 'AWS region')).toMatchObject({ status: 'ok', detail: 'us-west-2' });
    expect(row(rows, 'Bedrock')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/reachable \(HTTP 404 in \d+ ms/) });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(code, JSON.stringify(rows, null, 1)).toBe(0);
  });

  it('fails the Bedrock row, and exits 1, when the endpoint does not answer', async () => {
    const url = await closedPortUrl();
    const { code, rows } = await doctor(['--sandbox', 'none'], bedrockEnv(url));
    expect(row(rows, 'Bedrock')).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED'), fix: expect.stringContaining('sampler.bedrock') });
    expect(code).toBe(1);
  });

  it('fails the credentials row when the default chain finds none', async () => {
    const { url } = await listen(404);
    const { code, rows } = await doctor(['--sandbox', 'none'], { ...bedrockEnv(url), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', HOME: await workDir() });
    expect(row(rows, 'AWS credentials')).toMatchObject({ status: 'fail', fix: expect.stringContaining('AWS_PROFILE') });
    expect(code).toBe(1);
  });

  it('checks an --s3 location: 403 to an unsigned HEAD is reachable, 404 is no such bucket', async () => {
    const { url, seen } = await listen(403);
    const env = { ...leanEnv, AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST', AWS_SECRET_ACCESS_KEY: 's', AWS_ENDPOINT_URL_S3: url };
    const reachable = await doctor(['--sandbox', 'none', '--s3', 's3://proofline-test/verdicts/'], env);
    expect(row(reachable.rows, 'S3')).toMatchObject({ status: 'ok', detail: expect.stringContaining('s3://proofline-test/verdicts/ reachable (HTTP 403') });
    expect(seen.map((r) => [r.method, r.url])).toEqual([['HEAD', '/proofline-test']]);
    expect(row(reachable.rows, 'Bedrock').status).toBe('skipped');
    expect(reachable.code).toBe(0);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const missing = await listen(404);
    const absent = await doctor(['--sandbox', 'none', '--s3', 's3://proofline-test/verdicts/'], { ...env, AWS_ENDPOINT_URL_S3: missing.url });
    expect(row(absent.rows, 'S3')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no such bucket') });
    expect(absent.code).toBe(1);
  });
});
