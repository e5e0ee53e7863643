import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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

/** `npm run bench -- checker-overhead [--candidates 1000] [--repeats 3]` */
export async function run(args: string[]): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const flag = (name: string, fallback: number): number => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
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
