import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../pipeline/config.ts';
import { openProofChecker } from '../pipeline/lean/open-checker.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED = join(REPO_ROOT, '..', 'shared', 'data');

interface Row { problem_id: string; candidate: string }
interface Problem { id: string; header: string; formal_statement: string }

/**
 * A GRPO-like batch from real model outputs: for each miniF2F-test problem, the first 8 recorded
 * samples of three 7B provers (nof_minif2f_test_3provers_first4.jsonl: 4 attempts x 3 models).
 * Real duplicates, not synthetic ones. Lean is the recorded-Lean double (no recordings for these,
 * so every candidate that reaches Lean is answered with an error quickly); what is measured is how
 * many Lean invocations the verdict cache saves.
 */
async function countInvocations(batch: { header: string; formal_statement: string; completion: string }[], cache: boolean): Promise<{ invocations: number; cacheHits: number; elapsedMs: number }> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-bench-'));
  // Only the header is recorded (real format); every body then gets the double's "no recording" error.
  const headers = [...new Set(batch.map((c) => c.header))];
  await writeFile(join(tmpRoot, 'headers.in'), headers.map((h) => JSON.stringify({ cmd: h })).join('\n\n') + '\n');
  await writeFile(join(tmpRoot, 'headers.expected.out'), headers.map(() => '{"env": 0}\n').join('\n'));
  const config = parseConfig({
    lean: {
      home: join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean'), sandbox: 'none', confirm: false, policy: 'standard', env: { RECORDED_LEAN_RECORDINGS: tmpRoot },
      pool: { size: 2, warm_spares: 0, max_checks_per_process: 100_000 }, cache: { enabled: cache },
    },
  });
  const { checker } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, tmpRoot });
  const started = performance.now();
  await Promise.all(batch.map((c) => checker.check(c)));
  const elapsedMs = performance.now() - started;
  const { leanInvocations, cacheHits } = checker.stats;
  await checker.close();
  await rm(tmpRoot, { recursive: true, force: true });
  return { invocations: leanInvocations, cacheHits, elapsedMs };
}

export async function run(): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const attemptsFile = join(SHARED, 'attempts', 'nof_minif2f_test_3provers_first4.jsonl');
  const problemsFile = join(SHARED, 'problems', 'minif2f.jsonl');
  if (!existsSync(attemptsFile)) throw new Error(`cache-grpo needs ${attemptsFile} (the shared data beside the checkout)`);
  const problems = new Map<string, Problem>();
  for (const line of readFileSync(problemsFile, 'utf8').split('\n').filter(Boolean)) {
    const p = JSON.parse(line) as Problem;
    problems.set(p.id, p);
  }
  const perProblem = new Map<string, Row[]>();
  for (const line of readFileSync(attemptsFile, 'utf8').split('\n').filter(Boolean)) {
    const row = JSON.parse(line) as Row;
    const list = perProblem.get(row.problem_id) ?? [];
    if (list.length < 8) list.push(row);
    perProblem.set(row.problem_id, list);
  }
  const batch = [...perProblem.entries()].flatMap(([id, rows]) => {
    const p = problems.get(id);
    return p === undefined ? [] : rows.map((r) => ({ header: p.header, formal_statement: p.formal_statement, completion: r.candidate }));
  });
  const startedAt = new Date().toISOString();
  const off = await countInvocations(batch, false);
  const on = await countInvocations(batch, true);
  const baseline = { label: 'verdict cache off', figures: { lean_invocations: summarize([off.invocations], 'invocations', false) } };
  const proofline = { label: 'verdict cache on (content key, in-flight dedup)', figures: { lean_invocations: summarize([on.invocations], 'invocations', false) } };
  const report = {
    name: 'cache-grpo',
    description: `Lean invocations for a GRPO-like batch: ${perProblem.size} miniF2F-test problems x 8 real samples (${batch.length} candidates from three 7B provers), checked concurrently with the verdict cache off and on, in one run.`,
    command: 'npm run bench -- cache-grpo',
    parameters: { problems: perProblem.size, samples_per_problem: 8, candidates: batch.length, policy: 'standard' },
    machine: describeMachine(),
    started_at: startedAt,
    baseline,
    proofline,
    ratio: ratios(baseline, proofline),
    notes: [
      `Saved ${off.invocations - on.invocations} of ${off.invocations} Lean invocations (${(((off.invocations - on.invocations) / Math.max(1, off.invocations)) * 100).toFixed(1)}%); ${on.cacheHits} checks answered from the cache or an identical in-flight check.`,
      `Candidates rejected before Lean (L0/L1) never invoke Lean in either run: ${batch.length - off.invocations}.`,
      'Duplicates are counted after extraction: two completions with the same proof (different prose) share one check.',
      'This batch mixes 3 models x 4 attempts, so exact duplicates are rare; GRPO groups of 8 from one policy late in training repeat themselves far more, and the same mechanism (content key + in-flight dedup) is what the contract test `checks identical candidates arriving concurrently once` asserts.',
    ],
    details: { off, on },
  };
  const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
  process.stderr.write(`wrote ${paths.json}: ${off.invocations} -> ${on.invocations} invocations\n`);
}
