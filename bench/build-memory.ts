/**
 * Peak RSS of `proofline build` (and, separately, of its Lean processes) at two sizes side by
 * side — 10,000 candidates (2,500 problems x 4) and 100,000 (25,000 x 4) by default — to show
 * whether memory is flat in the number of problems. Cheap synthetic candidates keep the whole run
 * within minutes on a loaded 2-core machine: L3 off, the recorded-Lean double at zero cost, and
 * Lean inputs drawn from a small set of recorded statements (so the verdict cache answers most
 * L2 checks), while every problem and completion text is distinct (the journal, records and
 * exports hold 100,000 distinct rows).
 *   npm run bench -- build-memory [--small 2500] [--large 25000] [--statements 50]
 * Also runs the large build again with build.records_per_part 1000 (finalize's part buffers).
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

function flag(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`Expected --${name} to be a positive integer, got ${args[index + 1]}`);
  return value;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

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
    // The same large build with 1,000 rows per part instead of 10,000: how much of the peak is finalize's part buffers.
    const largeParts = await (async () => {
      const inputs = await writeInputs(join(work, 'inputs-large-rpp'), makeSet(sizes.large, templates), { recordingsDir: recordings, n: N, confirm: false, cache: true, maxChecksPerProcess: 100_000, sandbox: 'bwrap', recordsPerPart: 1000 });
      const dir = join(work, 'build-large-rpp');
      await mkdir(dir);
      process.stderr.write(`build-memory: large again with build.records_per_part 1000…\n`);
      const result = await runCli(['build', '--config', inputs.config, '--run-id', 'bench-large-rpp'], dir);
      if (result.exitCode !== 0) throw new Error(`proofline build (records_per_part 1000) exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
      process.stderr.write(`  ${result.wallS.toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(0)} MB\n`);
      return result;
    })();
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
        `Where the memory is: the sample/check phase reaches ${Math.round(runs.small.checkPhaseRssMb)} MB (small) vs ${Math.round(runs.large.checkPhaseRssMb)} MB (large) (check_phase_rss: the largest RSS sampled before the build's last progress line) — it grows with the candidates too, ~${Math.round(((runs.large.checkPhaseRssMb - runs.small.checkPhaseRssMb) * 1024) / (runs.large.candidates - runs.small.candidates))} KB per candidate (likely the replay sampler's in-memory completions and one verdict-cache entry per distinct L0 no_proof completion, whose key is the raw text; not verified). Finalize adds the rest: 24 part writers (records, rewards, and 11 export targets x 2 splits), each buffering up to build.records_per_part (default 10,000) row OBJECTS before encoding them in one go, so its peak grows until every writer fills up (records/rewards at 10,000 candidates; the per-problem exports — SFT, preference, RL prompts, ~1 row per problem each — only at 10,000 problems) and then stays at roughly rows_per_part x (sum of row sizes over writers). The same ${runs.large.candidates.toLocaleString('en-US')}-candidate build with build.records_per_part 1,000 peaks at ${Math.round(largeParts.peakRssMb)} MB (check phase ${Math.round(largeParts.checkPhaseRssMb)} MB, ${largeParts.wallS.toFixed(0)} s).`,
        'Also not exercised: long completions. Memory in finalize is bounded by rows, not bytes: every part writer (records, rewards, each export and split) buffers up to build.records_per_part (10,000) rows before encoding; with ~15 kB reasoning traces that alone is hundreds of MB (see build-throughput: 3,904 real attempts peak at ~620 MB). And the replay sampler holds every recorded completion in memory (a demo/test sampler; remote samplers do not).',
        'Lean process figures are the recorded-Lean double (a Node process per REPL that loads the transcript index), not Lean: a real Mathlib REPL is several GB and is bounded by lean.pool.max_rss_mb and lean.memory_limit_mb, not by the build. They are sampled every 200 ms (VmHWM per process).',
        `1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${describeMachine().cores} cores shared with other work.`,
      ],
      details: {
        small: { check_phase_rss_mb: round(runs.small.checkPhaseRssMb), candidates: runs.small.candidates, wall_s: round(runs.small.wallS, 2), own_cpu_s: runs.small.ownCpuS, tree_cpu_s: runs.small.treeCpuS, summary: runs.small.summary },
        large: { check_phase_rss_mb: round(runs.large.checkPhaseRssMb), candidates: runs.large.candidates, wall_s: round(runs.large.wallS, 2), own_cpu_s: runs.large.ownCpuS, tree_cpu_s: runs.large.treeCpuS, summary: runs.large.summary },
        verdict_cache: cacheCost,
        large_records_per_part_1000: { peak_rss_mb: round(largeParts.peakRssMb), check_phase_rss_mb: round(largeParts.checkPhaseRssMb), wall_s: round(largeParts.wallS, 2), own_cpu_s: largeParts.ownCpuS },
      },
    };
    const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
    process.stderr.write(`wrote ${paths.json}: peak RSS ${Math.round(runs.small.peakRssMb)} MB vs ${Math.round(large)} MB\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
