/**
 * Peak RSS of `proofline build` (and, separately, of its Lean processes) at two sizes side by
 * side — 10,000 candidates (2,500 problems x 4) and 100,000 (25,000 x 4) by default — to show
 * whether memory is flat in the number of problems. Cheap synthetic candidates keep the whole run
 * within minutes on a loaded 2-core machine: L3 off, the recorded-Lean double at zero cost, and
 * Lean inputs drawn from a small set of recorded statements (so the verdict cache answers most
 * L2 checks), while every problem and completion text is distinct (the journal, records and
 * exports hold 100,000 distinct rows).
 *   npm run bench -- build-memory [--small 2500] [--large 25000] [--statements 50]
 * Writes bench/results/build-memory.{json,md}.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { parseConfig } from '../pipeline/config.ts';
import { openProofChecker } from '../pipeline/lean/open-checker.ts';
import { VerdictCache } from '../pipeline/lean/verdict-cache.ts';
import { BENCH_HEADER } from './recorded-candidates.ts';
import { type BenchProblem, buildSummary, DOUBLE_HOME, type ProcessRun, REPO_ROOT, runCli, writeInputs, writeTranscript } from './build-throughput.ts';
import { positiveFlag, round } from './bench-report.ts';

const N = 4;

interface Template {
  statement: string;
  good: string;
  bad: string;
}

/** `count` recorded statements, each with a proof Lean accepts and one it rejects. */
export async function writeTemplates(dir: string, count: number): Promise<Template[]> {
  const templates: Template[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = `mem_${i}`;
    const prefix = `theorem ${name} (a b : ℕ) (h₀ : a = ${i}) (h₁ : b = a + 1) : b = ${i + 1}`;
    const good = 'by\n  subst h₀\n  simp [h₁]';
    const bad = 'by\n  rw [h₁]\n  exact h₀';
    await writeTranscript(dir, `${name}_good`, BENCH_HEADER, `${prefix} := by sorry`, `${prefix} := ${good}`, name, true);
    await writeTranscript(dir, `${name}_bad`, BENCH_HEADER, `${prefix} := by sorry`, `${prefix} := ${bad}`, name, false);
    templates.push({ statement: `${prefix} := by sorry`, good, bad });
  }
  return templates;
}

/**
 * Problem p uses template p mod K; its id, informal statement and the prose of its four
 * completions are its own. Samples: 0 accepted at L2, 1 rejected at L2 (a Lean error), 2 rejected
 * at L1 (`sorry`), 3 rejected at L0 (no Lean block) — so SFT and preference exports have rows.
 */
export function makeSet(problems: number, templates: Template[]): { problems: BenchProblem[]; completions: string[][] } {
  const out = { problems: [] as BenchProblem[], completions: [] as string[][] };
  for (let p = 0; p < problems; p += 1) {
    const t = templates[p % templates.length]!;
    const id = `mem-${String(p).padStart(6, '0')}`;
    out.problems.push({ id, header: BENCH_HEADER, formal_statement: t.statement, informal_statement: `Problem ${p}: given a = ${p % templates.length} and b = a + 1, show that b equals the successor of the given value.`, source: 'bench' });
    const fence = (proof: string): string => `\`\`\`lean4\n${t.statement.replace(/:=\s*by\s+sorry\s*$/u, `:= ${proof}`)}\n\`\`\``;
    out.completions.push([
      `For problem ${p}, substitute a and simplify with h₁.\n\n${fence(t.good)}`,
      `For problem ${p}, rewrite with h₁ and close with h₀.\n\n${fence(t.bad)}`,
      `For problem ${p}, I am not sure yet.\n\n${fence('by\n  sorry')}`,
      `For problem ${p}, b = a + 1 = ${p % templates.length} + 1, so the claim follows by arithmetic.`,
    ]);
  }
  return out;
}

/** Heap bytes per verdict-cache entry, filled in-process with copies of one real verdict. */
async function verdictCacheCost(recordings: string, template: Template, entries: number): Promise<{ bytesPerEntry: number; mbAtEntries: number }> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-bench-'));
  const config = parseConfig({ sampler: {}, lean: { home: DOUBLE_HOME, sandbox: 'none', confirm: false, env: { RECORDED_LEAN_RECORDINGS: recordings }, pool: { size: 1, warm_spares: 0 } } });
  const { checker } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, tmpRoot });
  const verdict = await checker.check({ header: BENCH_HEADER, formal_statement: template.statement, completion: `\`\`\`lean4\n${template.statement.replace(/:=\s*by\s+sorry\s*$/u, `:= ${template.good}`)}\n\`\`\`` });
  await checker.close();
  await rm(tmpRoot, { recursive: true, force: true });
  const cache = new VerdictCache(entries);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < entries; i += 1) {
    const key = VerdictCache.key([String(i), 'x'.repeat(8)]);
    // A structured clone per entry, as each real check builds its own verdict object.
    await cache.getOrCheck(key, async () => structuredClone(verdict));
  }
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  if (cache.size !== entries) throw new Error(`Expected ${entries} cached verdicts, got ${cache.size}`); // also keeps the cache alive until measured
  return { bytesPerEntry: Math.round(bytes / entries), mbAtEntries: Math.round(bytes / 2 ** 20) };
}

const flag = (args: string[], name: string, fallback: number): number => positiveFlag(args, name, fallback, { integer: true });

/** `npm run bench -- build-memory [--small 2500] [--large 25000] [--statements 50]` */
export async function run(args: string[]): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const sizes = { small: flag(args, 'small', 2500), large: flag(args, 'large', 25_000) };
  const statements = flag(args, 'statements', 50);
  const work = await mkdtemp(join(tmpdir(), 'proofline-bench-memory-'));
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  try {
    const recordings = join(work, 'recordings');
    await mkdir(recordings);
    const templates = await writeTemplates(recordings, statements);
    const runs: Record<'small' | 'large', ProcessRun & { candidates: number; summary: Record<string, unknown> }> = {} as never;
    for (const size of ['small', 'large'] as const) {
      const set = makeSet(sizes[size], templates);
      const inputs = await writeInputs(join(work, `inputs-${size}`), set, { recordingsDir: recordings, n: N, confirm: false, cache: true, maxChecksPerProcess: 100_000, sandbox: 'bwrap' });
      const dir = join(work, `build-${size}`);
      await mkdir(dir);
      process.stderr.write(`build-memory: ${size}: ${sizes[size]} problems x ${N} = ${inputs.candidateCount} candidates…\n`);
      const result = await runCli(['build', '--config', inputs.config, '--run-id', `bench-${size}`], dir);
      if (result.exitCode !== 0) throw new Error(`proofline build (${size}) exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
      runs[size] = { ...result, candidates: inputs.candidateCount, summary: buildSummary(result) };
      process.stderr.write(`  ${result.wallS.toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(0)} MB (Lean processes: largest ${result.childPeakRssMb.toFixed(0)} MB, sum ${result.childrenSumPeakMb.toFixed(0)} MB)\n`);
    }
    const cacheCost = await verdictCacheCost(recordings, templates[0]!, 100_000);

    const side = (label: string, r: (typeof runs)['small']) => ({
      label,
      figures: {
        peak_rss: summarize([round(r.peakRssMb)], 'MB', false),
        check_phase_rss: summarize([round(r.checkPhaseRssMb)], 'MB (largest before finalize)', false),
        lean_process_peak_rss: summarize([round(r.childPeakRssMb)], 'MB (largest one)', false),
        lean_processes_rss_sum: summarize([round(r.childrenSumPeakMb)], 'MB (all at once)', false),
        throughput: summarize([round(r.candidates / r.wallS)], 'candidates/s', true),
        wall: summarize([round(r.wallS)], 's', false),
      },
    });
    const baseline = side(`${sizes.small.toLocaleString('en-US')} problems x ${N} = ${runs.small.candidates.toLocaleString('en-US')} candidates`, runs.small);
    const proofline = side(`${sizes.large.toLocaleString('en-US')} problems x ${N} = ${runs.large.candidates.toLocaleString('en-US')} candidates`, runs.large);
    const large = runs.large.peakRssMb;
    const report = {
      name: 'build-memory',
      description: `Peak RSS of \`proofline build\` (the proofline process, VmHWM) and of its Lean processes at ${runs.small.candidates.toLocaleString('en-US')} vs ${runs.large.candidates.toLocaleString('en-US')} candidates in one run ("baseline" = the small build, "proofline" = the large one; ratio = large / small, 1 = flat). Replay sampler, recorded-Lean double at zero cost, bwrap, pool of 2 + 1 warm spare, L3 off, verdict cache on, all exports on, local sink.`,
      command: `npm run bench -- build-memory --small ${sizes.small} --large ${sizes.large} --statements ${statements}`,
      parameters: { n: N, problems: sizes, statements, confirm: false, cache: true, sandbox: 'bwrap', pool: { size: 2, warm_spares: 1 }, records_per_part: 10_000, hold_out_eval_sets: false },
      machine: describeMachine(),
      started_at: startedAt,
      baseline,
      proofline,
      ratio: ratios(baseline, proofline),
      notes: [
        `Target: peak RSS < 500 MB at ${runs.large.candidates.toLocaleString('en-US')} candidates: ${large < 500 ? 'MET' : 'NOT MET'} (${Math.round(large)} MB); ${runs.small.candidates.toLocaleString('en-US')} candidates: ${Math.round(runs.small.peakRssMb)} MB.`,
        `Candidates: per problem one accepted at L2, one Lean error at L2, one \`sorry\` (L1), one without a Lean block (L0); short texts (~150 characters of prose + a 3-line proof). Lean inputs cycle through ${statements} recorded statements, so the verdict cache answers all but ${statements * 2} L2 checks; every problem id, informal statement and completion text is distinct. Build summaries: small ${JSON.stringify({ accepted: runs.small.summary.accepted, rejected: runs.small.summary.rejected, errors: runs.small.summary.check_errors })}, large ${JSON.stringify({ accepted: runs.large.summary.accepted, rejected: runs.large.summary.rejected, errors: runs.large.summary.check_errors })}.`,
        `Not exercised here: a verdict cache filled with distinct verdicts. Measured in-process: ${cacheCost.bytesPerEntry} bytes of heap per entry, ${cacheCost.mbAtEntries} MB at the default cap of 100,000 entries (lean.cache.max_entries) — a build of 100,000 distinct candidates adds up to that.`,
        `Where the memory is: the sample/check phase reaches ${Math.round(runs.small.checkPhaseRssMb)} MB (small) vs ${Math.round(runs.large.checkPhaseRssMb)} MB (large) (check_phase_rss: the largest RSS sampled before the build's last progress line); finalize the rest. Heap snapshots of the large build (taken while developing, not by this bench) found ~49 MB of live heap at 62,000 candidates checked — the build's verdict cache (capped at 20,000 entries, ~10 MB here: one entry per distinct L0 no_proof completion) and the replay sampler's index (~7 MB: source, offset, length, line and model per recorded row; the texts are read from the file when sampled) — and ~94 MB during finalize, 47 MB of which were the replay sampler's recorded texts, which the sampler no longer keeps (and which finalize no longer keeps reachable). The rest of the RSS is V8 heap headroom (garbage not yet collected: V8 grows the heap to a few times the live size), the node binary and malloc.`,
        'Finalize streams every part: each writer (records, rewards, 11 export targets x 2 splits) encodes a row when it is written — JSONL lines into a gzip stream (compressed on the thread pool), Parquet a row group at a time (1,000 rows or 2 MiB of JSON) — and holds only the compressed bytes of its open part (a part is cut at build.records_per_part rows or 8 MiB of JSON), so memory in finalize is bounded in bytes and does not grow with the number of problems or with the length of completions. The stats (stats.json per_problem) are the one per-problem structure left: ~100 bytes per problem.',
        'Before the streaming part writers, the replay-sampler index and group commit (same command, 2026-12-01T18:44Z, load 12 → 4): 451 MB at 10,000 vs 1,052 MB at 100,000 candidates (check phase 210 vs 402 MB).',
        'Lean process figures are the recorded-Lean double (a Node process per REPL that loads the transcript index), not Lean: a real Mathlib REPL is several GB and is bounded by lean.pool.max_rss_mb and lean.memory_limit_mb, not by the build. They are sampled every 200 ms (VmHWM per process).',
        `1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${describeMachine().cores} cores shared with other work.`,
      ],
      details: {
        small: { check_phase_rss_mb: round(runs.small.checkPhaseRssMb), candidates: runs.small.candidates, wall_s: round(runs.small.wallS, 2), own_cpu_s: runs.small.ownCpuS, tree_cpu_s: runs.small.treeCpuS, summary: runs.small.summary },
        large: { check_phase_rss_mb: round(runs.large.checkPhaseRssMb), candidates: runs.large.candidates, wall_s: round(runs.large.wallS, 2), own_cpu_s: runs.large.ownCpuS, tree_cpu_s: runs.large.treeCpuS, summary: runs.large.summary },
        verdict_cache: cacheCost,
      },
    };
    const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
    process.stderr.write(`wrote ${paths.json}: peak RSS ${Math.round(runs.small.peakRssMb)} MB vs ${Math.round(large)} MB\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
