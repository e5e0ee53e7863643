import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cli, RECORDED_LEAN_HOME, readLines, strictCases, workDir, writeInput } from './cli-kit.ts';

describe('proofline lint', { timeout: 120_000 }, () => {
  it('stops on a bad line with its number and what was expected, and checks nothing', async () => {
    const dir = await workDir();
    const input = await writeInput(dir, [strictCases[0]!.input, { id: 'bad', header: '', formal_statement: 'theorem t : True := trivial', completion: '' }, '{not json']);
    const out = join(dir, 'out.jsonl');
    const result = await cli(['lint', '--input', input, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/input\.jsonl:2: `formal_statement`: expected a Lean statement ending in `:= by sorry`/);
    expect(result.stderr).toMatch(/input\.jsonl:3: expected a JSON object/);
    await expect(readFile(out, 'utf8')).rejects.toThrow();
  });

  it('with --skip-invalid reports bad lines and writes a line for every good one', async () => {
    const dir = await workDir();
    const inputs = strictCases.slice(0, 6).map((c) => c.input);
    const input = await writeInput(dir, [...inputs, '{"id": 1}']);
    const out = join(dir, 'out.jsonl');
    const result = await cli(['lint', '--input', input, '--out', out, '--skip-invalid']);
    expect(result.code).toBe(0);
    const lines = await readLines(out);
    expect(lines.map((l) => l.id)).toEqual(inputs.map((i) => i.id));
    expect(lines.every((l) => l.kind === 'unchecked' || l.kind === 'rejected')).toBe(true);
  });
});

describe('proofline check (recorded Lean)', { timeout: 180_000 }, () => {
  const env = { PROOFLINE_LEAN_HOME: RECORDED_LEAN_HOME, PROOFLINE_CONFIG__lean__timeout_ms: '8000' };

  it('writes verdicts in input order, then a rerun checks nothing twice', async () => {
    const dir = await workDir();
    const picked = strictCases.slice(0, 8);
    const input = await writeInput(dir, picked.map((c) => c.input));
    const out = join(dir, 'verdicts.jsonl');
    const first = await cli(['check', '--input', input, '--out', out], env);
    expect(first.code, first.stderr).toBe(0);
    const lines = await readLines(out);
    expect(lines.map((l) => [l.id, l.kind, l.reason, l.layer])).toEqual(picked.map((c) => [c.input.id, c.expected.kind, c.expected.reason, c.expected.layer]));
    expect(first.stderr).toMatch(/lean invocations/);
    const second = await cli(['check', '--input', input, '--out', out], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/already done \(resumed\)\s+8/);
    expect(await readLines(out)).toHaveLength(8);
  });

  it('survives kill -9 mid-run: the rerun finishes with no lost and no duplicated verdicts', async () => {
    const dir = await workDir();
    const picked = strictCases.filter((c) => c.expected.layer !== 'L0' && c.expected.layer !== 'L1').slice(0, 8);
    const input = await writeInput(dir, picked.map((c) => c.input));
    const out = join(dir, 'verdicts.jsonl');
    const slowEnv = { ...env, PROOFLINE_CONFIG__lean__env: '{RECORDED_LEAN_CMD_MS: "400"}', PROOFLINE_CONFIG__lean__pool__size: '1' };
    const child = spawn(process.execPath, [CLI, 'check', '--input', input, '--out', out], { env: { ...process.env, ...slowEnv }, stdio: 'ignore', detached: true });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const text = await readFile(out, 'utf8').catch(() => '');
      if (text.split('\n').filter(Boolean).length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(-child.pid!, 'SIGKILL');
    const partial = await readLines(out);
    expect(partial.length).toBeGreaterThanOrEqual(2);
    expect(partial.length).toBeLessThan(picked.length);
    const rerun = await cli(['check', '--input', input, '--out', out], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const lines = await readLines(out);
    expect(lines.map((l) => l.id).sort()).toEqual(picked.map((c) => c.input.id).sort());
  });

  it('fails fast with LEAN_NOT_FOUND and how to install when there is no toolchain', async () => {
    const dir = await workDir();
    const input = await writeInput(dir, [strictCases[0]!.input]);
    const result = await cli(['check', '--input', input], { PROOFLINE_LEAN_HOME: join(dir, 'no-lean') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/LEAN_NOT_FOUND: .*npm run setup:lean/);
  });
});
