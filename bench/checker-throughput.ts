import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../pipeline/config.ts';
import { openProofChecker } from '../pipeline/lean/open-checker.ts';
import { writeBenchRecordings, type BenchCandidate } from './recorded-candidates.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ThroughputRun {
  runner: 'repl' | 'cli';
  candidates: number;
  wallMs: number;
  checksPerSecond: number;
  verdicts: Record<string, number>;
  kinds: string[];
}

/**
 * Checks `candidates` through one runner against the recorded-Lean double with simulated Lean
 * costs, L3 off (it costs the same fresh processes for both runners), and returns wall time.
 */
export async function measureRunner(
  runner: 'repl' | 'cli',
  candidates: BenchCandidate[],
  recordingsDir: string,
  costs: { headerMs: number; proofMs: number; poolSize: number; warmSpares: number; sandbox: 'bwrap' | 'none' },
): Promise<ThroughputRun> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-bench-'));
  const config = parseConfig({
    lean: {
      home: join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean'),
      runner,
      sandbox: costs.sandbox,
      confirm: false,
      timeout_ms: 60_000,
      memory_limit_mb: 2048,
      env: {
        RECORDED_LEAN_RECORDINGS: recordingsDir,
        RECORDED_LEAN_HEADER_MS: String(costs.headerMs),
        RECORDED_LEAN_CMD_MS: String(costs.proofMs),
      },
      sandbox_read_only_paths: [recordingsDir],
      pool: { size: costs.poolSize, warm_spares: costs.warmSpares },
      cache: { enabled: false },
    },
  });
  const { checker } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, tmpRoot });
  const started = performance.now();
  try {
    const verdicts = await Promise.all(candidates.map((c) => checker.check(c)));
    const wallMs = performance.now() - started;
    const counts: Record<string, number> = {};
    for (const v of verdicts) counts[`${v.kind}${v.reason ? `/${v.reason}` : ''}`] = (counts[`${v.kind}${v.reason ? `/${v.reason}` : ''}`] ?? 0) + 1;
    return { runner, candidates: candidates.length, wallMs, checksPerSecond: (candidates.length * 1000) / wallMs, verdicts: counts, kinds: verdicts.map((v) => `${v.kind}/${v.reason}`) };
  } finally {
    await checker.close();
    await rm(tmpRoot, { recursive: true, force: true });
  }
}

export async function prepareCandidates(count: number): Promise<{ dir: string; candidates: BenchCandidate[] }> {
  return writeBenchRecordings(count);
}

function parseFlag(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`Expected --${name} to be a positive number, got ${args[index + 1]}`);
  return value;
}

/** `npm run bench -- checker-throughput [--candidates 200] [--header-ms 3000] [--proof-ms 100]` */
export async function run(args: string[]): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const count = parseFlag(args, 'candidates', 200);
  const costs = { headerMs: parseFlag(args, 'header-ms', 3000), proofMs: parseFlag(args, 'proof-ms', 100), poolSize: 2, warmSpares: 1, sandbox: 'bwrap' as const };
  const { dir, candidates } = await prepareCandidates(count);
  const startedAt = new Date().toISOString();
  process.stderr.write(`checker-throughput: ${count} candidates, header ${costs.headerMs} ms, proof ${costs.proofMs} ms, pool ${costs.poolSize}\n`);
  const repl = await measureRunner('repl', candidates, dir, costs);
  process.stderr.write(`  repl: ${repl.wallMs.toFixed(0)} ms\n`);
  const cli = await measureRunner('cli', candidates, dir, costs);
  process.stderr.write(`  cli:  ${cli.wallMs.toFixed(0)} ms\n`);
  const agree = repl.kinds.every((k, i) => k === cli.kinds[i]);
  const baseline = { label: 'cli runner: one `lean --json` per candidate', figures: { throughput: summarize([cli.checksPerSecond], 'checks/s', true), wall_time: summarize([cli.wallMs / 1000], 's', false) } };
  const proofline = { label: 'repl runner: pool of 2 REPLs + 1 warm spare, header imported once per process', figures: { throughput: summarize([repl.checksPerSecond], 'checks/s', true), wall_time: summarize([repl.wallMs / 1000], 's', false) } };
  const report = {
    name: 'checker-throughput',
    description: `L0-L2 throughput of the REPL pool vs the CLI runner on ${count} candidates sharing one Mathlib-style header, against the recorded-Lean double with simulated Lean costs (header import ${costs.headerMs} ms, ${costs.proofMs} ms per command), bwrap sandbox, L3 off (it costs the same fresh processes for both runners), cache off, in one run.`,
    command: `npm run bench -- checker-throughput --candidates ${count} --header-ms ${costs.headerMs} --proof-ms ${costs.proofMs}`,
    parameters: { candidates: count, ...costs },
    machine: describeMachine(),
    started_at: startedAt,
    baseline,
    proofline,
    ratio: ratios(baseline, proofline),
    notes: [
      `Verdicts: repl ${JSON.stringify(repl.verdicts)}, cli ${JSON.stringify(cli.verdicts)}; identical per candidate: ${agree}.`,
      'Target: the repl runner at >= 20x the cli runner.',
      'Cost model of the double: the REPL pays the header once per process and the proof cost once per candidate (the body; our `#print axioms` query, a closure walk in real Lean, is not charged); the CLI pays header + proof once per `lean` file. Process start-up (Node for the double, bwrap) is real, not simulated, on both sides.',
      'One repeat per runner: the cli side alone takes minutes at these costs; the figures are wall-clock on a shared 2-core machine.',
    ],
    details: { repl_wall_ms: repl.wallMs, cli_wall_ms: cli.wallMs },
  };
  const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
  process.stderr.write(`wrote ${paths.json} and ${paths.markdown}\n`);
  await rm(dir, { recursive: true, force: true });
}
