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
