import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeJsonlGz } from '../../../pipeline/exports/jsonl-gz.ts';
import { CanonicalRecordSchema } from '../../../pipeline/schemas/canonical-record.ts';
import { RewardRecordSchema } from '../../../pipeline/schemas/reward-record.ts';
import { runBuild } from '../../../workers/commands/build.ts';
import { writeBuildFixture } from './build-kit.ts';

function context(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    context: { argv, env: { PATH: process.env.PATH, PROOFLINE_LOG_LEVEL: 'warn', ...env }, cwd: process.cwd(), stdout, stderr, signal: new AbortController().signal },
    output: () => ({ stdout: out, stderr: err }),
  };
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name))).sort();
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('proofline build to a directory (recorded Lean)', { timeout: 240_000 }, () => {
  it('writes every record, reward and export, then the manifest with every part’s size and sha256, then latest.json', async () => {
    const fixture = await writeBuildFixture({ n: 2 });
    const run = context(['--config', fixture.config, '--run-id', 'r1']);
    const code = await runBuild(run.context);
    expect(code, run.output().stderr).toBe(0);
    const out = join(fixture.dir, 'out');
    const runDir = join(out, 'runs', 'r1');

    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as { status: string; parts: { key: string; bytes: number; sha256: string; rows: number; export: string }[]; files: { key: string; sha256: string }[] };
    expect(manifest.status).toBe('complete');
    for (const part of [...manifest.parts, ...manifest.files]) {
      const bytes = await readFile(join(runDir, part.key));
      expect(sha256(bytes), part.key).toBe(part.sha256);
    }
    // Nothing on disk that the manifest does not list (besides itself).
    const listed = new Set([...manifest.parts.map((p) => p.key), ...manifest.files.map((f) => f.key), 'manifest.json']);
    expect((await listFiles(runDir)).filter((f) => !listed.has(f))).toEqual([]);
    const latest = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as { run_id: string; manifest_sha256: string };
    expect(latest.run_id).toBe('r1');
    expect(latest.manifest_sha256).toBe(sha256(await readFile(join(runDir, 'manifest.json'))));

    const records = (await Promise.all(manifest.parts.filter((p) => p.export === 'records').map(async (p) => decodeJsonlGz(await readFile(join(runDir, p.key)))))).flat();
    expect(records).toHaveLength(fixture.problems * fixture.n);
    for (const raw of records) {
      const record = CanonicalRecordSchema.parse(raw);
      const want = fixture.expected.get(record.id)!;
      expect({ id: record.id, kind: record.verdict?.kind, reason: record.verdict?.reason }).toEqual({ id: record.id, kind: want.kind, reason: want.reason });
    }
    const rewards = (await Promise.all(manifest.parts.filter((p) => p.export === 'rewards').map(async (p) => decodeJsonlGz(await readFile(join(runDir, p.key)))))).flat();
    expect(rewards).toHaveLength(records.length);
    for (const raw of rewards) {
      const reward = RewardRecordSchema.parse(raw);
      expect(reward.reward).toBe(fixture.expected.get(reward.id)!.kind === 'accepted' ? 1 : 0);
    }
    const accepted = [...fixture.expected.values()].filter((e) => e.kind === 'accepted').length;
    const stats = JSON.parse(await readFile(join(runDir, 'stats.json'), 'utf8')) as { counters: { by_kind: Record<string, number> } };
    expect(stats.counters.by_kind).toEqual({ accepted, rejected: records.length - accepted, error: 0 });
    const card = await readFile(join(runDir, 'README.md'), 'utf8');
    expect(card.startsWith('---\nconfigs:')).toBe(true);
    expect(JSON.parse(run.output().stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'build_summary', status: 'complete', accepted });
  });

  it('leaves a committed run alone on a rerun', async () => {
    const fixture = await writeBuildFixture({ n: 1, maxProblems: 3 });
    const first = context(['--config', fixture.config, '--run-id', 'again']);
    expect(await runBuild(first.context), first.output().stderr).toBe(0);
    const manifestPath = join(fixture.dir, 'out', 'runs', 'again', 'manifest.json');
    const before = await readFile(manifestPath, 'utf8');
    const second = context(['--config', fixture.config, '--run-id', 'again']);
    expect(await runBuild(second.context)).toBe(0);
    expect(second.output().stderr).toMatch(/already committed/);
    expect(await readFile(manifestPath, 'utf8')).toBe(before);
    // The same run id with another config (here another n) is refused, not reported as done.
    const other = context(['--config', fixture.config, '--run-id', 'again', '--n', '2']);
    await expect(runBuild(other.context)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/committed with config hash/) });
  });

  it('stops on an invalid problem line with its number, and builds nothing', async () => {
    const fixture = await writeBuildFixture({ n: 1, maxProblems: 2 });
    const problems = join(fixture.dir, 'problems.jsonl');
    const text = await readFile(problems, 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(problems, `${text}{"id": "x", "header": "", "formal_statement": "theorem x : True := trivial"}\n`);
    const run = context(['--config', fixture.config, '--run-id', 'bad']);
    expect(await runBuild(run.context)).toBe(2);
    expect(run.output().stderr).toMatch(/problems\.jsonl:3: `formal_statement`: expected a Lean statement ending in `:= by sorry`/);
    await expect(readFile(join(fixture.dir, 'out', 'runs', 'bad', 'manifest.json'))).rejects.toThrow();
  });
});
