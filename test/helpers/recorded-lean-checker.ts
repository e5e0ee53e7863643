import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type LeanConfig } from '../../pipeline/config.ts';
import { openProofChecker } from '../../pipeline/lean/open-checker.ts';
import type { ProofChecker } from '../../pipeline/lean/proof-checker.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The recorded-Lean double: reached only as a toolchain home, like a real one. */
export const RECORDED_LEAN_HOME = join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean');

export type LeanOverrides = Partial<Omit<LeanConfig, 'pool' | 'cache'>> & { pool?: Partial<LeanConfig['pool']>; cache?: Partial<LeanConfig['cache']> };

/** A test's whole setup: its own config object and tmp dir, the double as toolchain. */
export function recordedLeanConfig(overrides: LeanOverrides = {}): LeanConfig {
  const { pool, cache, ...rest } = overrides;
  return parseConfig({
    lean: {
      home: RECORDED_LEAN_HOME,
      // Tight budgets keep the hang/leak cases fast; the double's Node processes use ~60 MB.
      timeout_ms: 8000,
      header_timeout_ms: 20_000,
      memory_limit_mb: 256,
      max_attempts: 2,
      ...rest,
      pool: { size: 2, warm_spares: 0, max_checks_per_process: 50, max_rss_mb: 2048, ...pool },
      cache: { enabled: true, max_entries: 1000, ...cache },
    },
  }).lean;
}

export async function openRecordedLeanChecker(overrides: LeanOverrides = {}): Promise<{ checker: ProofChecker; close: () => Promise<void> }> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-test-'));
  const { checker } = await openProofChecker(recordedLeanConfig(overrides), { repoRoot: REPO_ROOT, tmpRoot });
  return {
    checker,
    close: async () => {
      await checker.close();
      await rm(tmpRoot, { recursive: true, force: true });
    },
  };
}
