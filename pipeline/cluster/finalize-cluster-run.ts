import { join } from 'node:path';
import { loadEvalIndex } from '../build/decontaminate.ts';
import { finalizeRun, type FinalizeResult } from '../build/finalize.ts';
import { ProoflineError } from '../errors.ts';
import { remoteSection } from '../sample/create-sampler.ts';
import type { Sink } from '../sinks/sink.ts';
import type { ClusterConfigContext } from './cluster-setup.ts';
import { DeadLetterSchema, clusterWorkPrefix } from './job-payloads.ts';
import { openPartsRunSource } from './parts-run-source.ts';

export type ClusterFinalizeOutcome =
  | { kind: 'finalized'; result: FinalizeResult; deadLetters: Record<string, number> }
  | { kind: 'unaccounted'; jobs: { seq: number; from: number; to: number }[] };

/**
 * Finalizes a cluster run from the sink alone: run.json, the problem list, the parts and dead
 * letters under work/<run-id>/. Refuses (returns `unaccounted`, writes nothing) while any job has
 * neither a part nor a dead letter, so a manifest is never written for a run still in progress or
 * one whose Redis was lost. Then the same finalizeRun as a local build: records, rewards,
 * exports, stats.json, the card, manifest.json last, latest.json for a complete run.
 */
export async function finalizeClusterRun(setup: ClusterConfigContext, runId: string, repoRoot: string, now?: () => Date): Promise<ClusterFinalizeOutcome> {
  const { config, hash, sink, template, policy } = setup;
  const source = await openPartsRunSource(sink, runId);
  if (source.info.config_hash !== hash) {
    throw new ProoflineError('CONFIG_INVALID', `Run ${runId} was started with config hash ${source.info.config_hash.slice(0, 12)}…, this config has ${hash.slice(0, 12)}…; finalize with the run's own config`);
  }
  if (source.info.n !== config.sampler.n) throw new ProoflineError('CONFIG_INVALID', `Run ${runId} has n = ${source.info.n}, this config ${config.sampler.n}`);
  const unaccounted = source.unaccounted();
  if (unaccounted.length > 0) return { kind: 'unaccounted', jobs: unaccounted };
  const { build } = config;
  const result = await finalizeRun({
    source, sink, n: source.info.n, template,
    run: { runId, configHash: hash, dataset: build.name },
    splits: build.splits, holdOutEvalSets: build.decontamination.hold_out_eval_sets, evalIndex: loadEvalIndex(join(repoRoot, 'datasets', 'eval-sets')),
    exports: build.exports, rowsPerPart: build.records_per_part, price: remoteSection(config.sampler)?.price ?? null,
    provenance: { toolchain: source.info.toolchain, policy: { name: policy.name, version: policy.version }, problems_sha256: source.info.problems_sha256 },
    ...(now === undefined ? {} : { now }),
  });
  return { kind: 'finalized', result, deadLetters: await deadLettersByCode(sink, runId) };
}

/** Dead letters of the run by `<stage>:<code>` (the failures reported with the run). */
export async function deadLettersByCode(sink: Sink, runId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const key of await sink.list(`${clusterWorkPrefix(runId)}dead/`)) {
    const body = await sink.get(key);
    if (body === null) continue;
    const parsed = DeadLetterSchema.safeParse(JSON.parse(Buffer.from(body).toString('utf8')));
    const label = parsed.success ? `${parsed.data.stage}:${parsed.data.error.code}` : 'unreadable';
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}
