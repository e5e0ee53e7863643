import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import { type ChatServer, chatBody, startChatServer } from './chat-completions-server.ts';
import { REPO_ROOT } from './run-kit.ts';

const CLI = join(REPO_ROOT, 'workers/cli.ts');
let dir = '';
let server: ChatServer | null = null;
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-sample-cmd-'))));
afterEach(async () => {
  await server?.close();
  server = null;
  await rm(dir, { recursive: true, force: true });
});

interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `proofline sample …` as a real process from the repo root; `onSpawn` receives a SIGKILL switch. */
function proofline(args: string[], options: { env?: Record<string, string>; onSpawn?: (kill: () => void) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'sample', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    options.onSpawn?.(() => child.kill('SIGKILL'));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const readRecords = async (path: string): Promise<CompletionRecord[]> => (await readFile(path, 'utf8')).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as CompletionRecord);
const keys = (records: CompletionRecord[]): string[] => records.map((r) => `${r.problem_id}#${r.sample_index}`).sort();

describe('proofline sample (subprocess)', () => {
  test('replays the recorded attempts, prints a JSON summary, and a rerun appends nothing', async () => {
    const out = join(dir, 'completions.jsonl');
    const args = ['--config', 'datasets/sample-replay.yaml', '--problems', 'datasets/minif2f/problems.jsonl', '--out', out];
    const first = await proofline(args);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout.trim())).toMatchObject({ event: 'summary', planned: 24, written: 24, failures: {} });
    const records = await readRecords(out);
    expect(new Set(keys(records)).size).toBe(24);
    expect(records.every((record) => record.prompt_version === 'lean4-proof-v1' && record.proof !== null)).toBe(true);
    const second = await proofline(args);
    expect(JSON.parse(second.stdout.trim())).toMatchObject({ written: 0, already_done: 24 });
    expect(await readRecords(out)).toHaveLength(24);
  });

  test('a bad problem line stops with its line number (exit 2); --skip-invalid reports and skips it', async () => {
    const problems = join(dir, 'problems.jsonl');
    const lines = (await readFile(join(REPO_ROOT, 'datasets/minif2f/problems.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(problems, `${lines[0]}\n{"id": "broken", "header": ""}\n${lines[1]}\n`);
    const args = ['--config', 'datasets/sample-replay.yaml', '--problems', problems, '--out', join(dir, 'out.jsonl'), '--n', '1'];
    const strict = await proofline(args);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`INPUT_INVALID: ${problems}:2: \`formal_statement\``);
    const lenient = await proofline([...args, '--skip-invalid']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain('skipped');
    expect(await readRecords(join(dir, 'out.jsonl'))).toHaveLength(2);
  });

  test('killed with SIGKILL mid-run, the rerun finishes with no lost and no duplicated records', async () => {
    let hang = true;
    let hanging = 0;
    let kill = (): void => {};
    server = await startChatServer((call) => {
      const user = String((call.body.messages as Array<{ content: string }>)[1]!.content);
      // The amc12b problems come last: when both concurrency slots hang on them, every earlier sample is written.
      if (hang && user.includes('amc12b')) {
        hanging += 1;
        if (hanging === 2) kill();
        return { hang: true };
      }
      return { status: 200, body: chatBody(user.includes('aime') ? 'No Lean here.\n```python\nprint(1)\n```' : '```lean4\nby\n  norm_num\n```') };
    });
    const config = join(dir, 'openai.yaml');
    await writeFile(config, `sampler:\n  kind: openai\n  n: 2\n  cache: { dir: ${join(dir, 'cache')} }\n  openai:\n    base_url: ${server.url}\n    model: test-model\n    api_key_env: TEST_PROOFLINE_KEY\n    max_concurrency: 2\n`);
    const out = join(dir, 'out.jsonl');
    const args = ['--config', config, '--problems', 'datasets/minif2f/problems.jsonl', '--out', out];
    const noKey = await proofline(args);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('TEST_PROOFLINE_KEY');
    const killed = await proofline(args, { env: { TEST_PROOFLINE_KEY: 'k' }, onSpawn: (switchOff) => (kill = switchOff) });
    expect(killed.signal).toBe('SIGKILL');
    expect(await readRecords(out)).toHaveLength(16);
    hang = false;
    const rerun = await proofline(args, { env: { TEST_PROOFLINE_KEY: 'k' } });
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout.trim())).toMatchObject({ already_done: 16, written: 8, requests: 8 });
    const records = await readRecords(out);
    expect(records).toHaveLength(24);
    expect(new Set(keys(records)).size).toBe(24);
    const aime = records.find((record) => record.problem_id === 'aime_1983_p2')!;
    expect(aime).toMatchObject({ proof: null, no_proof: { reason: 'no_proof' } });
  });
});
