import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { STRICT_POLICY } from '../../../pipeline/lean/policy.ts';
import { CLI, cli, RECORDED_LEAN_HOME, readLines, strictCases, workDir, writeInput } from './cli-kit.ts';

/**
 * `check --out` / `lint --out` resume only lines produced under the same settings and input
 * (`resume_key`); every other line of the run's ids is redone, and the file ends with one line per id.
 */
const env = { PROOFLINE_LEAN_HOME: RECORDED_LEAN_HOME, PROOFLINE_CONFIG__lean__timeout_ms: '8000' };
const pick = (...ids: string[]) => ids.map((id) => strictCases.find((c) => c.input.id === id)!.input);
// One accept (goes through L3), one L2 rejection, one L1 rejection.
const inputs = pick('honest/decide_closed_numeral.json', 'broken/unknown_identifier.json', 'exploits/e01_admit.json');
const ids = inputs.map((i) => i.id);

const resumed = (stderr: string): number => Number(/already done \(resumed\)\s+(\d+)/.exec(stderr)?.[1]);
const redone = (stderr: string): number => Number(/redone \(settings or input changed\)\s+(\d+)/.exec(stderr)?.[1]);

async function firstRun(command: 'check' | 'lint', extra: string[] = []): Promise<{ input: string; out: string; dir: string }> {
  const dir = await workDir();
  const input = await writeInput(dir, inputs);
  const out = join(dir, 'out.jsonl');
  const result = await cli([command, '--input', input, '--out', out, ...extra], env);
  expect(result.code, result.stderr).toBe(0);
  return { input, out, dir };
}

async function expectOneLinePerId(out: string, expected = ids): Promise<Record<string, unknown>[]> {
  const lines = await readLines(out);
  expect(lines.map((l) => l.id).sort()).toEqual([...expected].sort());
  for (const line of lines) expect(line.resume_key).toMatch(/^[0-9a-f]{64}$/);
  return lines;
}

// Each test runs the CLI two or three times; on a loaded 2-core machine one run can take ~10 s.
describe('proofline check --out resume keys (recorded Lean)', { timeout: 180_000 }, () => {
  it('skips every line when nothing changed, and writes the same keys', async () => {
    const { input, out } = await firstRun('check');
    const before = await readFile(out, 'utf8');
    const again = await cli(['check', '--input', input, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    expect([resumed(again.stderr), redone(again.stderr)]).toEqual([3, 0]);
    expect(await readFile(out, 'utf8')).toBe(before);
  });

  it('redoes every line under another policy', async () => {
    const { input, out } = await firstRun('check');
    expect((await readLines(out)).map((l) => (l.provenance as { policy: { name: string } } | undefined)?.policy.name ?? 'strict')).toEqual(['strict', 'strict', 'strict']);
    const again = await cli(['check', '--input', input, '--out', out, '--policy', 'standard'], env);
    expect(again.code, again.stderr).toBe(0);
    expect([resumed(again.stderr), redone(again.stderr)]).toEqual([0, 3]);
    const lines = await expectOneLinePerId(out);
    expect(lines.map((l) => (l.provenance as { policy: { name: string } } | undefined)?.policy.name ?? 'standard')).toEqual(['standard', 'standard', 'standard']);
  });

  it('redoes every line with --no-confirm: the accept is no longer an L3-confirmed one', async () => {
    const { input, out } = await firstRun('check');
    const before = new Map((await readLines(out)).map((l) => [l.id, l.resume_key]));
    const again = await cli(['check', '--input', input, '--out', out, '--no-confirm'], env);
    expect(again.code, again.stderr).toBe(0);
    expect([resumed(again.stderr), redone(again.stderr)]).toEqual([0, 3]);
    const lines = await expectOneLinePerId(out);
    for (const line of lines) expect(line.resume_key).not.toBe(before.get(line.id as string));
    // An accept is no longer L3-confirmed (the double's current recordings decide which lines are accepts).
    for (const line of lines.filter((l) => l.kind === 'accepted')) expect(line).toMatchObject({ layer: 'L2', provenance: { confirmed: false } });
  });

  it('redoes every line under another budget', async () => {
    const { input, out } = await firstRun('check');
    const again = await cli(['check', '--input', input, '--out', out], { ...env, PROOFLINE_CONFIG__lean__timeout_ms: '9000' });
    expect(again.code, again.stderr).toBe(0);
    expect(redone(again.stderr)).toBe(3);
    const lines = await expectOneLinePerId(out);
    expect(lines.map((l) => (l.provenance as { budget?: { timeout_ms: number } } | undefined)?.budget?.timeout_ms)).toContain(9000);
  });

  it('redoes only the id whose completion changed, and its old verdict is gone', async () => {
    const { dir, out } = await firstRun('check');
    // `decide` → `sorry` inside the proof: an L1 rejection whatever the first verdict was.
    const changed = inputs.map((i, n) => (n === 0 ? { ...i, completion: i.completion.replace('decide', 'sorry') } : i));
    expect(changed[0]!.completion).not.toBe(inputs[0]!.completion);
    const input = await writeInput(dir, changed, 'input2.jsonl');
    const again = await cli(['check', '--input', input, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    expect([resumed(again.stderr), redone(again.stderr)]).toEqual([2, 1]);
    const lines = await expectOneLinePerId(out);
    expect(lines.find((l) => l.id === ids[0])).toMatchObject({ kind: 'rejected', reason: 'banned_construct' });
  });

  it('redoes every line when the policy FILE was edited in place (same name and version)', async () => {
    const dir = await workDir();
    const policyFile = join(dir, 'my-policy.yaml');
    await writeFile(policyFile, stringify({ ...STRICT_POLICY, name: 'mine', version: '1' }));
    const input = await writeInput(dir, inputs);
    const out = join(dir, 'out.jsonl');
    const first = await cli(['check', '--input', input, '--out', out, '--policy', policyFile], env);
    expect(first.code, first.stderr).toBe(0);
    const unchanged = await cli(['check', '--input', input, '--out', out, '--policy', policyFile], env);
    expect(resumed(unchanged.stderr)).toBe(3);
    await writeFile(policyFile, stringify({ ...STRICT_POLICY, name: 'mine', version: '1', attribute_allowlist: ['simp'] }));
    const edited = await cli(['check', '--input', input, '--out', out, '--policy', policyFile], env);
    expect(edited.code, edited.stderr).toBe(0);
    expect([resumed(edited.stderr), redone(edited.stderr)]).toEqual([0, 3]);
    await expectOneLinePerId(out);
  });

  it('redoes lines written without a key (files from older versions)', async () => {
    const { input, out } = await firstRun('check');
    const legacy = (await readLines(out)).map(({ resume_key: _dropped, ...rest }) => JSON.stringify(rest)).join('\n') + '\n';
    await writeFile(out, legacy);
    const again = await cli(['check', '--input', input, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    expect([resumed(again.stderr), redone(again.stderr)]).toEqual([0, 3]);
    await expectOneLinePerId(out);
  });

  it('survives kill -9 in the middle of a redo: the rerun leaves exactly one line per id, all under the new settings', async () => {
    const slowInputs = strictCases.filter((c) => c.expected.layer === 'L2' || c.expected.layer === 'L3').slice(0, 6).map((c) => c.input);
    const dir = await workDir();
    const input = await writeInput(dir, slowInputs);
    const out = join(dir, 'out.jsonl');
    expect((await cli(['check', '--input', input, '--out', out, '--no-confirm'], env)).code).toBe(0);
    const slowEnv = { ...env, PROOFLINE_CONFIG__lean__env: '{RECORDED_LEAN_CMD_MS: "400"}', PROOFLINE_CONFIG__lean__pool__size: '1' };
    const child = spawn(process.execPath, [CLI, 'check', '--input', input, '--out', out], { env: { ...process.env, ...slowEnv, PROOFLINE_LOG_LEVEL: 'warn' }, stdio: 'ignore', detached: true });
    const deadline = Date.now() + 60_000;
    // The redo first drops the stale lines (temp file + rename), then appends new ones.
    while (Date.now() < deadline) {
      const lines = (await readFile(out, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      if (lines.length >= 1 && lines.length < slowInputs.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(-child.pid!, 'SIGKILL');
    const partial = await readLines(out);
    expect(new Set(partial.map((l) => l.id)).size).toBe(partial.length);
    const rerun = await cli(['check', '--input', input, '--out', out], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const lines = await expectOneLinePerId(out, slowInputs.map((i) => i.id));
    for (const line of lines) expect(line.provenance === undefined || (line.provenance as { confirmed: boolean }).confirmed === (line.kind === 'accepted')).toBe(true);
    // Every line now carries this run's key: one more run redoes nothing.
    const settled = await cli(['check', '--input', input, '--out', out], env);
    expect([resumed(settled.stderr), redone(settled.stderr)]).toEqual([slowInputs.length, 0]);
  });
});

describe('proofline lint --out resume keys', { timeout: 120_000 }, () => {
  it('skips unchanged lines and redoes them under another policy', async () => {
    const { input, out } = await firstRun('lint');
    const same = await cli(['lint', '--input', input, '--out', out], env);
    expect([resumed(same.stderr), redone(same.stderr)]).toEqual([3, 0]);
    const other = await cli(['lint', '--input', input, '--out', out, '--policy', 'standard'], env);
    expect(other.code, other.stderr).toBe(0);
    expect([resumed(other.stderr), redone(other.stderr)]).toEqual([0, 3]);
    const lines = await expectOneLinePerId(out);
    for (const line of lines) expect(line.policy).toMatch(/^standard@/);
  });

  it('a lint rejection in the file is not taken as a check verdict', async () => {
    const { input, out } = await firstRun('lint');
    expect((await readLines(out)).find((l) => l.id === ids[2])).toMatchObject({ kind: 'rejected', layer: 'L1' });
    const check = await cli(['check', '--input', input, '--out', out], env);
    expect(check.code, check.stderr).toBe(0);
    expect(resumed(check.stderr)).toBe(0);
    const lines = await expectOneLinePerId(out);
    expect(lines.every((l) => l.provenance !== undefined)).toBe(true);
  });
});
