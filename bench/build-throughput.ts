/**
 * `proofline build` end to end (replay sampler → journal → check stage → finalize → local sink)
 * beside `proofline check` alone on the SAME candidates, both as real CLI subprocesses against the
 * recorded-Lean double at zero simulated cost, interleaved repeats. The candidates are real model
 * attempts (../shared/data/attempts, the `lint` benchmark's corpus): most are rejected at L0/L1,
 * the rest go to the REPL (L2), where the double answers from transcripts generated here (the
 * publisher's `verified` label decides accepted vs a Lean error). A second, small pair of runs
 * measures what L3 costs per accept (confirm on vs off).
 *   npm run bench -- build-throughput [--repeats 3] [--l3-candidates 120] [--profile DIR]
 * Writes bench/results/build-throughput.{json,md}.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printAxiomsCommand } from '../pipeline/lean/elaboration.ts';
import { lintInput } from '../pipeline/lean/lint.ts';
import { assembleCandidate } from '../pipeline/lean/assemble.ts';
import { STRICT_POLICY } from '../pipeline/lean/policy.ts';
import { positiveFlag, round } from './bench-report.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DOUBLE_HOME = join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean');
const CLI = join(REPO_ROOT, 'bin', 'proofline.js');

const SHARED = join(REPO_ROOT, '..', 'shared', 'data');

interface Attempt {
  id: string;
  header: string;
  formal_statement: string;
  completion: string;
  verified: boolean;
}

const readJsonl = <T>(path: string): T[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);

/**
 * Every row of every attempt file in ../shared/data/attempts (the `lint` benchmark's corpus), with
 * its problem's trusted header and statement; Kimina rows use the full <think> completion where
 * recorded (what a sampler returns).
 */
export function loadAttempts(): { inputs: Attempt[]; source: string } {
  const problems = new Map<string, { header: string; formal_statement: string }>();
  for (const f of ['minif2f.jsonl', 'lean_workbook_sample.jsonl']) for (const p of readJsonl<{ id: string; header: string; formal_statement: string }>(join(SHARED, 'problems', f))) problems.set(p.id, p);
  const files = readdirSync(join(SHARED, 'attempts')).filter((f) => f.endsWith('.jsonl')).sort();
  const inputs: Attempt[] = [];
  for (const file of files) {
    for (const row of readJsonl<{ problem_id: string; candidate: string; reasoning?: string; verified: boolean }>(join(SHARED, 'attempts', file))) {
      const p = problems.get(row.problem_id);
      if (p === undefined) throw new Error(`Expected problem ${row.problem_id} (from ${file}) in ../shared/data/problems, found none`);
      inputs.push({ id: row.problem_id, header: p.header, formal_statement: p.formal_statement, completion: row.reasoning ?? row.candidate, verified: row.verified });
    }
  }
  return { inputs, source: `../shared/data/attempts (${inputs.length} rows: ${files.join(', ')}; Kimina rows use the full <think> completion where recorded)` };
}

export interface BenchProblem {
  id: string;
  header: string;
  formal_statement: string;
  informal_statement?: string;
  source?: string;
}

/** What one bench input set is made of, for the report. */
export interface BenchSet {
  problems: BenchProblem[];
  /** `completions[p][k]`: the text sample k of problem p (replay order). */
  completions: string[][];
  /** Transcripts written for L2 (one per candidate that passes L0/L1). */
  recordings: number;
  /** Expected outcome by layer, from the lexical gate and the recordings: `L0/no_proof`, `L2/accepted`… */
  expected: Record<string, number>;
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 1);

/**
 * Writes one REPL transcript for a candidate that reaches Lean: header, body (a clean answer or
 * one error), our axiom query when clean, and the reference statement (for L3).
 */
export async function writeTranscript(dir: string, name: string, header: string, statement: string, body: string, target: string, accepted: boolean): Promise<void> {
  const requests: unknown[] = [{ cmd: header }, { cmd: body, env: 0 }];
  const responses: unknown[] = [{ env: 0 }];
  if (accepted) {
    responses.push({ env: 1 });
    requests.push({ cmd: printAxiomsCommand(target), env: 1 });
    responses.push({ messages: [{ severity: 'info', pos: { line: 2, column: 0 }, endPos: { line: 2, column: 13 }, data: `'${target}' depends on axioms: [propext, Classical.choice, Quot.sound]` }], env: 2 });
  } else {
    responses.push({ messages: [{ severity: 'error', pos: { line: 1, column: 0 }, endPos: { line: 1, column: 7 }, data: 'unsolved goals\n⊢ False' }], env: 1 });
  }
  requests.push({ cmd: statement, env: 0 });
  responses.push({ messages: [{ severity: 'warning', pos: { line: 1, column: 8 }, endPos: { line: 1, column: 9 }, data: 'declaration uses `sorry`' }], env: 3 });
  await writeFile(join(dir, `${name}.in`), requests.map((r) => JSON.stringify(r)).join('\n\n') + '\n');
  await writeFile(join(dir, `${name}.expected.out`), responses.map((r) => `${pretty(r)}\n`).join('\n'));
}

/**
 * The realistic mix: every attempt of the shared corpus, grouped by original problem into bench
 * problems of exactly `n` attempts each (`<id>~<g>`; an original problem's leftover attempts are
 * dropped, so no candidate repeats). Transcripts are written for every candidate the strict
 * lexical gate lets through; `limit` keeps the first problems only.
 */
export async function prepareRealMix(recordingsDir: string, options: { n: number; limitProblems?: number }): Promise<BenchSet & { source: string }> {
  const corpus = loadAttempts();
  const byProblem = new Map<string, typeof corpus.inputs>();
  for (const input of corpus.inputs) {
    const list = byProblem.get(input.id) ?? [];
    list.push(input);
    byProblem.set(input.id, list);
  }
  const set: BenchSet = { problems: [], completions: [], recordings: 0, expected: {} };
  const count = (key: string): void => void (set.expected[key] = (set.expected[key] ?? 0) + 1);
  for (const [id, attempts] of byProblem) {
    for (let g = 0; (g + 1) * options.n <= attempts.length; g += 1) {
      if (options.limitProblems !== undefined && set.problems.length >= options.limitProblems) break;
      const group = attempts.slice(g * options.n, (g + 1) * options.n);
      const first = group[0]!;
      // Same original problem ⇒ same trusted text in every attempt row.
      const problem: BenchProblem = { id: `${id}~${g}`, header: first.header, formal_statement: first.formal_statement, source: 'bench' };
      set.problems.push(problem);
      set.completions.push(group.map((a) => a.completion));
      for (const [k, attempt] of group.entries()) {
        const outcome = lintInput({ id: problem.id, header: problem.header, formal_statement: problem.formal_statement, completion: attempt.completion }, STRICT_POLICY);
        if (outcome.kind === 'rejected') {
          count(`${outcome.layer}/${outcome.reason}`);
          continue;
        }
        const assembled = assembleCandidate(problem, outcome.extracted as Parameters<typeof assembleCandidate>[1]);
        await writeTranscript(recordingsDir, `c${set.recordings}_${k}`, problem.header, problem.formal_statement, assembled.body, assembled.target, attempt.verified);
        set.recordings += 1;
        count(attempt.verified ? 'L2/accepted' : 'L2/lean_error');
      }
    }
  }
  return { ...set, source: corpus.source };
}

export interface RunConfigOptions {
  recordingsDir: string;
  n: number;
  confirm: boolean;
  cache: boolean;
  /** REPL recycling: the double loads every transcript at process start, an artifact of the double. */
  maxChecksPerProcess: number;
  sandbox: 'bwrap' | 'none';
  /** build.records_per_part (default 10,000): rows each part writer buffers before encoding. */
  recordsPerPart?: number;
}

/** Writes problems.jsonl, completions.jsonl (replay), candidates.jsonl (`check` input) and config.yaml. */
export async function writeInputs(dir: string, set: Pick<BenchSet, 'problems' | 'completions'>, options: RunConfigOptions): Promise<{ config: string; candidates: string; candidateCount: number }> {
  await mkdir(dir, { recursive: true });
  const problems = set.problems.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const completions: string[] = [];
  const candidates: string[] = [];
  set.problems.forEach((p, i) => {
    set.completions[i]!.forEach((text, k) => {
      completions.push(JSON.stringify({ problem_id: p.id, text }));
      candidates.push(JSON.stringify({ id: `${p.id}#${k}`, header: p.header, formal_statement: p.formal_statement, completion: text }));
    });
  });
  await writeFile(join(dir, 'problems.jsonl'), problems);
  await writeFile(join(dir, 'completions.jsonl'), completions.join('\n') + '\n');
  await writeFile(join(dir, 'candidates.jsonl'), candidates.join('\n') + '\n');
  const config = {
    log: { level: 'warn' },
    build: {
      name: 'bench',
      problems: join(dir, 'problems.jsonl'),
      output: './out',
      decontamination: { hold_out_eval_sets: false }, // every export written: the finalize worst case
      ...(options.recordsPerPart === undefined ? {} : { records_per_part: options.recordsPerPart }),
    },
    sampler: {
      kind: 'replay',
      n: options.n,
      prompt: join(REPO_ROOT, 'datasets', 'prompts', 'lean4-proof-v1.yaml'),
      replay: { sources: [{ path: join(dir, 'completions.jsonl'), text_field: 'text' }] },
    },
    lean: {
      home: DOUBLE_HOME,
      policy: 'strict',
      sandbox: options.sandbox,
      confirm: options.confirm,
      env: { RECORDED_LEAN_RECORDINGS: options.recordingsDir },
      sandbox_read_only_paths: [options.recordingsDir],
      pool: { size: 2, warm_spares: 1, max_checks_per_process: options.maxChecksPerProcess },
      cache: { enabled: options.cache },
    },
  };
  // JSON is YAML.
  await writeFile(join(dir, 'config.yaml'), `${JSON.stringify(config, null, 2)}\n`);
  return { config: join(dir, 'config.yaml'), candidates: join(dir, 'candidates.jsonl'), candidateCount: candidates.length };
}

export interface ProcessRun {
  wallS: number;
  exitCode: number | null;
  /** User + system CPU of the proofline process alone (sampled from /proc until just before exit). */
  ownCpuS: number;
  /**
   * User + system CPU of the proofline process and the children whose exit it reaped (GNU time);
   * sandboxed Lean processes killed at close are mostly not among them, so this is close to ownCpuS.
   */
  treeCpuS: number;
  /** Peak RSS of the proofline process itself (VmHWM, exact up to the last sample). */
  peakRssMb: number;
  /**
   * Largest RSS of the proofline process sampled before `proofline build` reported every candidate
   * checked (its last progress line, printed before finalize): the sample/check phase alone.
   */
  checkPhaseRssMb: number;
  /** Largest peak RSS (VmHWM) of any one descendant: the Lean processes (sampled, a lower bound). */
  childPeakRssMb: number;
  /** Largest sum of descendants' RSS at one sample. */
  childrenSumPeakMb: number;
  stdout: string;
  stderr: string;
}

const CLOCK_TICKS = 100;

function readStatus(pid: number): { hwmKb: number; rssKb: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)/u.exec(text);
    const rss = /VmRSS:\s+(\d+)/u.exec(text);
    return { hwmKb: Number(hwm?.[1] ?? 0), rssKb: Number(rss?.[1] ?? 0) };
  } catch {
    return null;
  }
}

/** Every process's parent, from /proc/PID/stat. */
function parents(): Map<number, { ppid: number; cpuTicks: number }> {
  const out = new Map<number, { ppid: number; cpuTicks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function descendantsOf(root: number, table: Map<number, { ppid: number }>): number[] {
  const out: number[] = [];
  for (const pid of table.keys()) {
    for (let p = table.get(pid)?.ppid; p !== undefined && p > 1; p = table.get(p)?.ppid) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/**
 * Runs `node bin/proofline.js ARGS` in `cwd` under GNU time (CPU of the whole tree), sampling the
 * proofline process's peak RSS (VmHWM) and CPU, and its children's memory, every `sampleMs`.
 */
export async function runCli(args: string[], cwd: string, options: { sampleMs?: number; nodeArgs?: string[] } = {}): Promise<ProcessRun> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'PROOFLINE_BENCH_TIME %e %U %S', process.execPath, ...(options.nodeArgs ?? []), CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  let peakKb = 0;
  let checkPhaseKb = 0;
  let ownTicks = 0;
  let childPeakKb = 0;
  let childrenSumKb = 0;
  const timePid = child.pid!;
  let checked = false;
  const allChecked = (): boolean => {
    if (checked) return true;
    const lines = stderr.split('\n').filter((l) => l.startsWith('{"progress"'));
    const last = lines.at(-1);
    if (last === undefined) return false;
    const progress = (JSON.parse(last) as { progress: { planned: number; checked: number; alreadyDone: number } }).progress;
    checked = progress.planned > 0 && progress.checked + progress.alreadyDone >= progress.planned;
    return checked;
  };
  const sample = (): void => {
    const table = parents();
    const node = [...table.entries()].find(([, v]) => v.ppid === timePid)?.[0];
    if (node === undefined) return;
    const own = readStatus(node);
    if (own !== null) peakKb = Math.max(peakKb, own.hwmKb);
    if (own !== null && !allChecked()) checkPhaseKb = Math.max(checkPhaseKb, own.rssKb);
    ownTicks = Math.max(ownTicks, table.get(node)?.cpuTicks ?? 0);
    let sum = 0;
    for (const d of descendantsOf(node, table)) {
      const s = readStatus(d);
      if (s === null) continue;
      childPeakKb = Math.max(childPeakKb, s.hwmKb);
      sum += s.rssKb;
    }
    childrenSumKb = Math.max(childrenSumKb, sum);
  };
  const timer = setInterval(sample, options.sampleMs ?? 200);
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearInterval(timer);
  const timing = /PROOFLINE_BENCH_TIME ([\d.]+) ([\d.]+) ([\d.]+)/u.exec(stderr);
  return {
    wallS: (performance.now() - started) / 1000,
    exitCode,
    ownCpuS: ownTicks / CLOCK_TICKS,
    treeCpuS: timing === null ? Number.NaN : Number(timing[2]) + Number(timing[3]),
    peakRssMb: peakKb / 1024,
    checkPhaseRssMb: checkPhaseKb / 1024,
    childPeakRssMb: childPeakKb / 1024,
    childrenSumPeakMb: childrenSumKb / 1024,
    stdout,
    stderr,
  };
}

export function buildSummary(run: ProcessRun): Record<string, unknown> {
  const line = run.stdout.split('\n').find((l) => l.includes('"build_summary"'));
  if (line === undefined) throw new Error(`expected a build_summary line from proofline build (exit ${run.exitCode}), got none; stderr:\n${run.stderr.slice(-2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Verdict kinds/reasons/layers from `proofline check --out` lines. */
async function checkVerdicts(path: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line) as { verdict?: { kind: string; reason: string | null; layer: string }; kind?: string; reason?: string | null; layer?: string };
    const v = row.verdict ?? (row as { kind: string; reason: string | null; layer: string });
    const key = `${v.layer}/${v.kind === 'accepted' ? 'accepted' : v.reason}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function runPair(work: string, config: string, candidatesPath: string, index: number, nodeArgs: string[] = []): Promise<{ check: ProcessRun; build: ProcessRun; checkVerdicts: Record<string, number> }> {
  const checkDir = join(work, `check-${index}`);
  const buildDir = join(work, `build-${index}`);
  await mkdir(checkDir, { recursive: true });
  await mkdir(buildDir, { recursive: true });
  const verdicts = join(checkDir, 'verdicts.jsonl');
  const check = await runCli(['check', '--input', candidatesPath, '--out', verdicts, '--config', config], checkDir, { nodeArgs });
  if (check.exitCode !== 0) throw new Error(`proofline check exited ${check.exitCode}: ${check.stderr.slice(-2000)}`);
  const build = await runCli(['build', '--config', config, '--run-id', `bench-${index}`], buildDir, { nodeArgs });
  if (build.exitCode !== 0) throw new Error(`proofline build exited ${build.exitCode}: ${build.stderr.slice(-2000)}`);
  return { check, build, checkVerdicts: await checkVerdicts(verdicts) };
}

const flag = (args: string[], name: string, fallback: number): number => positiveFlag(args, name, fallback);

/** `npm run bench -- build-throughput [--repeats 3] [--l3-problems 30]` */
export async function run(args: string[]): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const repeats = flag(args, 'repeats', 3);
  const l3Problems = flag(args, 'l3-problems', 30);
  const n = 4;
  const work = await mkdtemp(join(tmpdir(), 'proofline-bench-build-'));
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  try {
    const recordings = join(work, 'recordings');
    await mkdir(recordings);
    const set = await prepareRealMix(recordings, { n });
    const inputs = await writeInputs(join(work, 'inputs'), set, { recordingsDir: recordings, n, confirm: false, cache: true, maxChecksPerProcess: 100_000, sandbox: 'bwrap' });
    process.stderr.write(`build-throughput: ${set.problems.length} problems x ${n} = ${inputs.candidateCount} candidates, ${set.recordings} transcripts; expected ${JSON.stringify(set.expected)}\n`);
    const checks: ProcessRun[] = [];
    const builds: ProcessRun[] = [];
    let summary: Record<string, unknown> = {};
    let verdicts: Record<string, number> = {};
    for (let r = 0; r < repeats; r += 1) {
      const pair = await runPair(work, inputs.config, inputs.candidates, r);
      checks.push(pair.check);
      builds.push(pair.build);
      summary = buildSummary(pair.build);
      verdicts = pair.checkVerdicts;
      process.stderr.write(`  repeat ${r}: check ${pair.check.wallS.toFixed(1)} s, build ${pair.build.wallS.toFixed(1)} s\n`);
    }

    // L3: a small slice (L3 spawns several processes per accept), confirm on vs off, builds only.
    const l3Recordings = join(work, 'l3-recordings');
    await mkdir(l3Recordings);
    const l3Set = await prepareRealMix(l3Recordings, { n, limitProblems: l3Problems });
    const l3 = { off: null as ProcessRun | null, on: null as ProcessRun | null, accepted: 0, candidates: l3Set.problems.length * n };
    for (const confirm of [false, true]) {
      const l3Inputs = await writeInputs(join(work, `l3-inputs-${confirm}`), l3Set, { recordingsDir: l3Recordings, n, confirm, cache: true, maxChecksPerProcess: 100_000, sandbox: 'bwrap' });
      const dir = join(work, `l3-build-${confirm}`);
      await mkdir(dir);
      const result = await runCli(['build', '--config', l3Inputs.config, '--run-id', `bench-l3-${confirm}`], dir);
      if (result.exitCode !== 0) throw new Error(`proofline build (confirm ${confirm}) exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
      l3[confirm ? 'on' : 'off'] = result;
      l3.accepted = Number(buildSummary(result).accepted);
      process.stderr.write(`  L3 ${confirm ? 'on' : 'off'}: ${l3.candidates} candidates in ${result.wallS.toFixed(1)} s\n`);
    }
    const l3PerAcceptS = (l3.on!.wallS - l3.off!.wallS) / Math.max(l3.accepted, 1);

    const count = inputs.candidateCount;
    const side = (label: string, runs: ProcessRun[]) => ({
      label,
      figures: {
        throughput: summarize(runs.map((r) => count / r.wallS), 'candidates/s', true),
        wall: summarize(runs.map((r) => r.wallS), 's', false),
        per_cpu_s_own: summarize(runs.map((r) => round(count / r.ownCpuS)), 'candidates per CPU-second of the proofline process', true),
        peak_rss: summarize(runs.map((r) => round(r.peakRssMb)), 'MB', false),
      },
    });
    const baseline = side('`proofline check --input candidates.jsonl --out verdicts.jsonl` (same candidates, same lean config)', checks);
    const proofline = side('`proofline build` (replay sampler → journal → check → finalize: records, rewards, exports, stats, card, manifest → local sink)', builds);
    const target = proofline.figures.throughput.median >= 2000;
    const report = {
      name: 'build-throughput',
      description: `End-to-end candidates/s of \`proofline build\` to the local sink beside \`proofline check\` alone on the same ${count} candidates (${set.problems.length} problems x ${n} real model attempts), both as CLI subprocesses from process start to exit, against the recorded-Lean double at zero simulated cost, bwrap sandbox, REPL pool of 2 + 1 warm spare, L3 off, verdict cache on; ${repeats} interleaved repeats.`,
      command: `npm run bench -- build-throughput --repeats ${repeats} --l3-problems ${l3Problems}`,
      parameters: { problems: set.problems.length, n, candidates: count, transcripts: set.recordings, repeats, policy: 'strict', confirm: false, cache: true, pool: { size: 2, warm_spares: 1, max_checks_per_process: 100_000 }, sandbox: 'bwrap', build_concurrency_check: 8, hold_out_eval_sets: false },
      machine: describeMachine(),
      started_at: startedAt,
      baseline,
      proofline,
      ratio: ratios(baseline, proofline),
      notes: [
        `Mix: ${set.source}. Each original problem's attempts are grouped ${n} at a time into bench problems (\`<id>~<g>\`, leftovers dropped, no candidate repeated). Expected outcomes from the strict lexical gate and the labels: ${JSON.stringify(set.expected)}; build verdicts: accepted ${String(summary.accepted)}, rejected ${String(summary.rejected)}, check errors ${JSON.stringify(summary.check_errors)}; check verdicts by layer: ${JSON.stringify(verdicts)}.`,
        `L2 answers are generated transcripts (publisher-verified ⇒ clean + axioms, else one error), at zero simulated Lean cost: the figures measure proofline's own machinery plus the double's Node processes, not Lean.`,
        `Target >= 2,000 candidates/s end to end: ${target ? 'MET' : 'NOT MET'} (median ${Math.round(proofline.figures.throughput.median)}/s). Build overhead over check alone: ${round(baseline.figures.throughput.median / proofline.figures.throughput.median, 2)}x the wall time.`,
        `L3 (confirm on vs off, builds only, first ${l3Problems} problems = ${l3.candidates} candidates, ${l3.accepted} accepted): ${l3.off!.wallS.toFixed(1)} s off vs ${l3.on!.wallS.toFixed(1)} s on, ≈ ${l3PerAcceptS.toFixed(2)} s per accept (fresh \`lean -o\` for candidate and reference, leanchecker, the auditor: each a Node process of the double that loads the transcript index). With L3 on, the build is bound by L3, not by its own machinery.`,
        'CPU figure: user + system time of the proofline process alone (/proc/PID/stat), i.e. what one core must do per candidate for proofline itself; the double\'s Node REPLs run in their own processes on top. On this machine the proofline process is single-threaded and CPU-starved, so candidates per CPU-second is the better estimate of an unloaded core.',
        'Wall time includes process start, config, opening the checker (REPL spawn + header), and for the build the journal and finalize; both sides pay the same checker start.',
        'REPLs are not recycled (max_checks_per_process 100,000): every process of the double loads all transcripts at start (~0.3 ms each), an artifact of the double, not of Lean.',
        `1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${describeMachine().cores} cores shared with other work: absolute figures are noisy, the ratio less so.`,
      ],
      details: {
        check_runs: checks.map(({ stdout: _o, stderr: _e, ...r }) => r),
        build_runs: builds.map(({ stdout: _o, stderr: _e, ...r }) => r),
        build_summary: summary,
        check_verdicts: verdicts,
        expected: set.expected,
        l3: { candidates: l3.candidates, accepted: l3.accepted, off_wall_s: round(l3.off!.wallS, 2), on_wall_s: round(l3.on!.wallS, 2), per_accept_s: round(l3PerAcceptS, 3) },
      },
    };
    const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
    process.stderr.write(`wrote ${paths.json}: build ${Math.round(proofline.figures.throughput.median)}/s vs check ${Math.round(baseline.figures.throughput.median)}/s\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
