import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.ts';
import type { Config } from '../config.ts';

/**
 * The config hash: sha256 over everything that decides a run's records — the sampler (model,
 * prompt template's content, parameters, n), the checker settings (policy content, budget, L3/L4) and the build's
 * splits, decontamination and exports — but not where things are stored (`build.output`,
 * `build.state_dir`, `lean.home`) or how fast they run (pool sizes, concurrency, logging).
 */
export function configHash(config: Config, policyDigest: string, promptTemplate: unknown): string {
  const { output: _output, state_dir: _stateDir, run_id: _runId, concurrency: _concurrency, problems: _problems, ...build } = config.build;
  const { home: _home, pool: _pool, cache: _cache, policy: _policy, sandbox_read_only_paths: _paths, container: _container, ...lean } = config.lean;
  return createHash('sha256').update(canonicalJson({ sampler: config.sampler, prompt: promptTemplate, lean, policy: policyDigest, build })).digest('hex');
}

/** `<name>-<YYYYMMDD>-<first 8 hex of the config hash>`: a rerun on the same day resumes. */
export function defaultRunId(name: string, hash: string, now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `${name}-${day}-${hash.slice(0, 8)}`;
}
