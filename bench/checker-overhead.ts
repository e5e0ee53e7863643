import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../pipeline/config.ts';
import { printAxiomsCommand } from '../pipeline/lean/elaboration.ts';
import { openProofChecker } from '../pipeline/lean/open-checker.ts';
import { assembleCandidate } from '../pipeline/lean/assemble.ts';
import { extractProof } from '../pipeline/extract/extract-proof.ts';
import { encodeReplRequest, ReplResponseDecoder } from '../pipeline/lean/repl-protocol.ts';
import { writeBenchRecordings, type BenchCandidate } from './recorded-candidates.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOME = join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean');

/** Baseline: the bare protocol — two REPL processes, the same requests, no checker around them. */
async function rawProtocol(candidates: BenchCandidate[], dir: string, processes: number): Promise<number> {
  const bodies = candidates.map((c) => {
    const extracted = extractProof(c.completion, c.formal_statement, c.header);
    if (!extracted.ok) throw new Error(`bench candidate ${c.id} has no proof`);
    return assembleCandidate(c, extracted);
  });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: processes }, async (_, worker) => {
      const child = spawn(join(HOME, 'bin', 'repl'), [], { env: { ...process.env, RECORDED_LEAN_RECORDINGS: dir }, stdio: ['pipe', 'pipe', 'ignore'] });
      const decoder = new ReplResponseDecoder();
      const waiting: ((value: unknown) => void)[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) waiting.shift()?.(event.kind === 'value' ? event.value : null);
      });
      const ask = (request: Record<string, unknown>): Promise<unknown> =>
        new Promise((resolve) => {
          waiting.push(resolve);
          child.stdin.write(encodeReplRequest(request));
        });
      const header = (await ask({ cmd: bodies[0]!.header })) as { env: number };
      for (let i = worker; i < bodies.length; i += processes) {
        const body = (await ask({ cmd: bodies[i]!.body, env: header.env })) as { env: number; messages?: { severity: string }[] };
        if (!(body.messages ?? []).some((m) => m.severity === 'error')) await ask({ cmd: printAxiomsCommand(bodies[i]!.target), env: body.env });
      }
      child.stdin.end();
    }),
  );
  return performance.now() - started;
}

async function proofline(candidates: BenchCandidate[], dir: string, sandbox: 'bwrap' | 'none'): Promise<number> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-bench-'));
  const config = parseConfig({
    lean: {
      home: HOME, sandbox, confirm: false, timeout_ms: 30_000, memory_limit_mb: 2048,
      env: { RECORDED_LEAN_RECORDINGS: dir }, sandbox_read_only_paths: [dir],
      pool: { size: 2, warm_spares: 0, max_checks_per_process: 100_000 }, cache: { enabled: false },
    },
  });
  const { checker } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, tmpRoot });
  await checker.check(candidates[0]!); // Warm the pool: process start and header are not overhead per check.
  await checker.check(candidates[1]!);
  const started = performance.now();
  const verdicts = await Promise.all(candidates.map((c) => checker.check(c)));
  const elapsed = performance.now() - started;
  await checker.close();
  await rm(tmpRoot, { recursive: true, force: true });
  if (verdicts.filter((v) => v.kind === 'accepted').length !== candidates.filter((_, i) => i % 10 !== 9).length) throw new Error('unexpected verdicts in the overhead benchmark');
  return elapsed;
}

/** One `proofline check` run of a checkout: wall, and CPU of the proofline process and of its descendants. */
interface CliRun {
  wallS: number;
  exitCode: number | null;
  /** User + system CPU of the proofline process (sampled until just before it exits). */
  checkerCpuS: number;
  /** User + system CPU of every descendant (the sandboxed double REPLs, probes), each sampled until its exit. */
  descendantsCpuS: number;
  loadBefore: number;
  loadAfter: number;
}

const CLOCK_TICKS = 100;

/** utime + stime (ticks) and parent of every process, keyed by pid and start time (a pid can be reused). */
function processTable(): Map<string, { pid: number; ppid: number; ticks: number }> {
  const table = new Map<string, { pid: number; ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(`${entry}@${fields[19]}`, { pid: Number(entry), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Exited meanwhile.
    }
  }
  return table;
}

const loadAverage = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/**
 * `node TREE/bin/proofline.js check --input … --out … --config …` with the tree's own Node and
 * double, sampling /proc every 50 ms: the proofline process's CPU and each descendant's (the
 * sandboxed REPLs are SIGKILLed at close, so GNU time, which counts only reaped children, misses them).
 */
async function runCheckCli(tree: string, config: string, input: string, work: string): Promise<CliRun> {
  const out = join(work, 'verdicts.jsonl');
  await rm(out, { force: true });
  const node = join(tree, 'node_modules', 'node', 'bin', 'node');
  const loadBefore = loadAverage();
  const started = performance.now();
  const child = spawn(node, [join(tree, 'bin', 'proofline.js'), 'check', '--input', input, '--out', out, '--config', config], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PATH: `${join(tree, 'node_modules', 'node', 'bin')}:${process.env.PATH ?? ''}` },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const root = child.pid!;
  const seen = new Map<string, { pid: number; ticks: number }>();
  const sample = (): void => {
    const table = processTable();
    const byPid = new Map([...table.values()].map((p) => [p.pid, p]));
    for (const [key, p] of table) {
      let inTree = p.pid === root;
      for (let up = p.ppid; !inTree && up > 1; up = byPid.get(up)?.ppid ?? 0) inTree = up === root;
      if (inTree) seen.set(key, { pid: p.pid, ticks: Math.max(p.ticks, seen.get(key)?.ticks ?? 0) });
    }
  };
  const timer = setInterval(sample, 50);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearInterval(timer);
  const wallS = (performance.now() - started) / 1000;
  if (exitCode !== 0) throw new Error(`proofline check in ${tree} exited ${exitCode}: ${stderr.slice(-2000)}`);
  let checkerTicks = 0;
  let descendantTicks = 0;
  for (const { pid, ticks } of seen.values()) {
    if (pid === root) checkerTicks += ticks;
    else descendantTicks += ticks;
  }
  return { wallS, exitCode, checkerCpuS: checkerTicks / CLOCK_TICKS, descendantsCpuS: descendantTicks / CLOCK_TICKS, loadBefore, loadAfter: loadAverage() };
}

/**
 * `npm run bench -- checker-overhead --cli --baseline-tree DIR [--repeats 3]`: the CPU that
 * `proofline check` spends per candidate on build-throughput's real-attempt mix (replay inputs, the
 * recorded-Lean double, bwrap, cache on, L3 off), this checkout against another checkout of the
 * repo (`git worktree add DIR <commit> && (cd DIR && npm ci)`), runs alternated so both see the
 * same machine load.
 */
async function runCli(args: string[]): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const { prepareRealMix, writeInputs } = await import('./build-throughput.ts');
  const baselineTree = args.includes('--baseline-tree') ? args[args.indexOf('--baseline-tree') + 1] : undefined;
  if (baselineTree === undefined) throw new Error('expected --baseline-tree DIR (another checkout of proofline, with npm ci run in it)');
  const repeats = args.includes('--repeats') ? Number(args[args.indexOf('--repeats') + 1]) : 3;
  const work = await mkdtemp(join(tmpdir(), 'proofline-check-cli-'));
  const recordings = join(work, 'recordings');
  await mkdir(recordings, { recursive: true });
  const set = await prepareRealMix(recordings, { n: 4 });
  const inputs = await writeInputs(join(work, 'inputs'), set, { recordingsDir: recordings, n: 4, confirm: false, cache: true, maxChecksPerProcess: 100_000, sandbox: 'bwrap' });
  // Each checkout runs with its own double (lean.home), on the same recordings and inputs.
  const configFor = async (tree: string, name: string): Promise<string> => {
    const config = JSON.parse(await readFile(inputs.config, 'utf8')) as { lean: { home: string } };
    config.lean.home = join(tree, 'test', 'fixtures', 'recorded-lean');
    const path = join(work, `${name}.config.yaml`);
    await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
    return path;
  };
  const sides = [
    { name: 'baseline', tree: baselineTree, config: await configFor(baselineTree, 'baseline'), runs: [] as CliRun[] },
    { name: 'proofline', tree: REPO_ROOT, config: await configFor(REPO_ROOT, 'proofline'), runs: [] as CliRun[] },
  ];
  const startedAt = new Date().toISOString();
  for (let r = 0; r < repeats; r += 1) {
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
      const sideWork = join(work, side.name);
      await mkdir(sideWork, { recursive: true });
      const result = await runCheckCli(side.tree, side.config, inputs.candidates, sideWork);
      side.runs.push(result);
      process.stderr.write(`repeat ${r + 1} ${side.name}: wall ${result.wallS.toFixed(2)} s, proofline CPU ${result.checkerCpuS.toFixed(2)} s, descendants ${result.descendantsCpuS.toFixed(2)} s, load ${result.loadBefore} -> ${result.loadAfter}\n`);
    }
  }
  const figures = (runs: CliRun[]) => ({
    candidates_per_s: summarize(runs.map((run) => inputs.candidateCount / run.wallS), 'candidates/s', true),
    checker_cpu_ms_per_candidate: summarize(runs.map((run) => (run.checkerCpuS * 1000) / inputs.candidateCount), 'ms', false),
    tree_cpu_ms_per_candidate: summarize(runs.map((run) => ((run.checkerCpuS + run.descendantsCpuS) * 1000) / inputs.candidateCount), 'ms', false),
  });
  const commitOf = (tree: string): string => {
    try {
      return execFileSync('git', ['-C', tree, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown commit';
    }
  };
  const baseline = { label: `proofline check of the baseline checkout (${baselineTree}, ${commitOf(baselineTree)})`, figures: figures(sides[0]!.runs) };
  const side = { label: `proofline check of this checkout (${commitOf(REPO_ROOT)}${execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'pipeline', 'workers', 'test/fixtures/recorded-lean'], { encoding: 'utf8' }).trim() === '' ? '' : ', uncommitted changes'})`, figures: figures(sides[1]!.runs) };
  const report = {
    name: 'checker-overhead-cli',
    description: `\`proofline check\` end to end on build-throughput's real-attempt mix (${inputs.candidateCount} candidates, replay inputs, recorded-Lean double with zero simulated cost, bwrap, pool 2 + 1 spare, cache on, L3 off): wall throughput and CPU per candidate of the proofline process and of the whole tree (its descendants sampled from /proc every 50 ms, a lower bound), against a baseline checkout, runs alternated.`,
    command: `npm run bench -- checker-overhead --cli --baseline-tree ${baselineTree} --repeats ${repeats}`,
    parameters: { candidates: inputs.candidateCount, repeats, pool_size: 2, warm_spares: 1, baseline_tree: baselineTree },
    machine: describeMachine(),
    started_at: startedAt,
    baseline,
    proofline: side,
    ratio: ratios(baseline, side),
    notes: [
      `Load average (1 min) before -> after each run: baseline ${sides[0]!.runs.map((run) => `${run.loadBefore}->${run.loadAfter}`).join(', ')}; this checkout ${sides[1]!.runs.map((run) => `${run.loadBefore}->${run.loadAfter}`).join(', ')}. The machine is shared: compare the two sides of one report, not reports.`,
      'Target (issue #7): >= 2,000 candidates/s end to end with the replay sampler and the double at zero cost.',
    ],
    details: { runs: Object.fromEntries(sides.map((s) => [s.name, s.runs])) },
  };
  const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
  process.stderr.write(`wrote ${paths.json}\n`);
  await rm(work, { recursive: true, force: true });
}

/**
 * `npm run bench -- checker-overhead [--candidates 1000] [--repeats 3]`, or with `--cli`: see runCli.
 */
export async function run(args: string[]): Promise<void> {
  if (args.includes('--cli')) return runCli(args);
  const { describeMachine, summarize, ratios, writeBenchReport, positiveFlag } = await import('./bench-report.ts');
  const flag = (name: string, fallback: number): number => positiveFlag(args, name, fallback, { integer: true });
  const count = flag('candidates', 1000);
  const repeats = flag('repeats', 3);
  const { dir, candidates } = await writeBenchRecordings(count);
  const startedAt = new Date().toISOString();
  const raw: number[] = [];
  const bwrap: number[] = [];
  const none: number[] = [];
  for (let r = 0; r < repeats; r += 1) {
    raw.push((count * 1000) / (await rawProtocol(candidates, dir, 2)));
    bwrap.push((count * 1000) / (await proofline(candidates, dir, 'bwrap')));
    none.push((count * 1000) / (await proofline(candidates, dir, 'none')));
    process.stderr.write(`repeat ${r + 1}: raw ${raw.at(-1)!.toFixed(0)}/s, proofline bwrap ${bwrap.at(-1)!.toFixed(0)}/s, none ${none.at(-1)!.toFixed(0)}/s\n`);
  }
  const baseline = { label: 'bare REPL protocol: 2 double REPLs driven directly, same requests', figures: { throughput: summarize(raw, 'checks/s', true) } };
  const side = { label: 'proofline checker L0-L2 (extract, assemble, lint, pool, parse, decide), bwrap sandbox', figures: { throughput: summarize(bwrap, 'checks/s', true) } };
  const report = {
    name: 'checker-overhead',
    description: `Checker overhead with zero simulated Lean cost: ${count} candidates through L0-L2 on a warm REPL pool of 2 (recorded-Lean double, cache off, L3 off), against the bare protocol on the same double in the same run.`,
    command: `npm run bench -- checker-overhead --candidates ${count} --repeats ${repeats}`,
    parameters: { candidates: count, repeats, pool_size: 2 },
    machine: describeMachine(),
    started_at: startedAt,
    baseline,
    proofline: side,
    ratio: ratios(baseline, side),
    notes: [
      `proofline under sandbox none: ${JSON.stringify(summarize(none, 'checks/s', true))}.`,
      'Target: >= 500 checks/s through L0-L2. The double itself (a Node process parsing JSON and looking up recordings) is part of both sides.',
    ],
    details: {},
  };
  const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
  process.stderr.write(`wrote ${paths.json}\n`);
  await rm(dir, { recursive: true, force: true });
}
