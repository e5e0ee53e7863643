import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

/** Shared by the CLI subprocess tests: the real `bin/proofline.js`, run as a user would. */
export const CLI = join(REPO_ROOT, 'bin', 'proofline.js');
export { RECORDED_LEAN_HOME, REPO_ROOT };

const run = promisify(execFile);

/** Several cases share a problem; outputs are keyed by id, so give every case its own. */
export const strictCases = loadCheckerCases()
  .filter((c) => c.policy === 'strict' && !c.input.completion.includes('recorded-lean:'))
  .map((c) => ({ ...c, input: { ...c.input, id: c.file } }));

export async function workDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'proofline-cli-'));
}

export async function writeInput(dir: string, lines: unknown[], name = 'input.jsonl'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `proofline ARGS` with the test's environment on top of this process's (or instead of it, with `replaceEnv`). */
export function cli(args: string[], env: Record<string, string> = {}, options: { replaceEnv?: boolean } = {}): Promise<CliResult> {
  const base = options.replaceEnv === true ? {} : process.env;
  return run(process.execPath, [CLI, ...args], { env: { ...base, PROOFLINE_LOG_LEVEL: 'warn', ...env }, maxBuffer: 16 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

export const readLines = async (file: string): Promise<Record<string, unknown>[]> =>
  (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
