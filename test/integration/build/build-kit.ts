import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

export { RECORDED_LEAN_HOME, REPO_ROOT };

export interface BuildFixture {
  dir: string;
  config: string;
  /** `<problem_id>#<sample_index>` → what the golden corpus expects the checker to say. */
  expected: Map<string, { kind: string; reason: string | null }>;
  problems: number;
  n: number;
}

/**
 * A problem set made of golden cases (strict policy, no fault directives): every problem id with
 * its trusted header/statement, and the cases' completions as replay samples (sample k = the k-th
 * case of that problem). The recorded-Lean double answers every one of them, so a build through
 * it has known verdicts. Problems get exactly `n` samples (cases cycle when a problem has fewer).
 */
export async function writeBuildFixture(options: { n?: number; maxProblems?: number; extraConfig?: string } = {}): Promise<BuildFixture> {
  const n = options.n ?? 2;
  const byProblem = new Map<string, { header: string; formal_statement: string; cases: ReturnType<typeof loadCheckerCases> }>();
  for (const c of loadCheckerCases()) {
    if (c.policy !== 'strict' || c.input.completion.includes('recorded-lean:')) continue;
    const entry = byProblem.get(c.input.id) ?? { header: c.input.header, formal_statement: c.input.formal_statement, cases: [] };
    if (entry.header !== c.input.header || entry.formal_statement !== c.input.formal_statement) continue;
    entry.cases.push(c);
    byProblem.set(c.input.id, entry);
  }
  const dir = await mkdtemp(join(tmpdir(), 'proofline-build-'));
  const problems: string[] = [];
  const completions: string[] = [];
  const expected = new Map<string, { kind: string; reason: string | null }>();
  for (const [id, entry] of [...byProblem].slice(0, options.maxProblems ?? Number.POSITIVE_INFINITY)) {
    problems.push(JSON.stringify({ id, header: entry.header, formal_statement: entry.formal_statement, source: 'proofline-tests' }));
    for (let k = 0; k < n; k += 1) {
      const c = entry.cases[k % entry.cases.length]!;
      completions.push(JSON.stringify({ problem_id: id, text: c.input.completion }));
      expected.set(`${id}#${k}`, { kind: c.expected.kind, reason: c.expected.reason });
    }
  }
  await writeFile(join(dir, 'problems.jsonl'), `${problems.join('\n')}\n`);
  await writeFile(join(dir, 'completions.jsonl'), `${completions.join('\n')}\n`);
  const config = join(dir, 'build.yaml');
  await writeFile(
    config,
    [
      'build:',
      '  name: test',
      `  problems: ${join(dir, 'problems.jsonl')}`,
      `  output: ${join(dir, 'out')}`,
      `  state_dir: ${join(dir, 'state')}`,
      '  records_per_part: 7',
      'sampler:',
      '  kind: replay',
      `  n: ${n}`,
      `  prompt: ${join(REPO_ROOT, 'datasets', 'prompts', 'lean4-proof-v1.yaml')}`,
      `  cache: { enabled: true, dir: ${join(dir, 'sample-cache')} }`,
      '  replay:',
      '    sources:',
      `      - path: ${join(dir, 'completions.jsonl')}`,
      'lean:',
      `  home: ${RECORDED_LEAN_HOME}`,
      '  timeout_ms: 8000',
      '  header_timeout_ms: 20000',
      '  memory_limit_mb: 512',
      '  max_attempts: 2',
      '  pool: { size: 2, warm_spares: 0 }',
      options.extraConfig ?? '',
    ].join('\n'),
  );
  return { dir, config, expected, problems: problems.length, n };
}
