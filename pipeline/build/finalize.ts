import { JsonlGzPart } from '../exports/jsonl-gz.ts';
import { EXPORT_TARGETS, type ExportsConfig, problemExportRows } from '../exports/export-catalog.ts';
import { type PartEncoder, type PartInfo, PartWriter } from '../exports/part-writer.ts';
import type { PromptTemplate } from '../sample/prompt.ts';
import type { PriceTable } from '../sample/sampling-stats.ts';
import type { CanonicalRecord } from '../schemas/canonical-record.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Problem } from '../schemas/problem.ts';
import { toRewardRecord } from '../schemas/reward-record.ts';
import type { Verdict } from '../schemas/verdict.ts';
import type { Sink } from '../sinks/sink.ts';
import { problemShared, type RunIdentity, toCanonicalRecord } from './canonical.ts';
import { type CardPart, renderDatasetCard } from './dataset-card.ts';
import { decideHoldout, type EvalIndex } from './decontaminate.ts';
import type { CheckOutcomeRow, RunJournal } from './journal.ts';
import { RunStats, type RunStatsJson } from './run-stats.ts';
import { assignSplit } from './splits.ts';
import { sha256Hex, statementHash } from './statement-fingerprint.ts';

export const MANIFEST_SCHEMA = 'proofline-run-manifest/v1';

/** One valid problem of the run, in order (`seq` from 0). */
export interface ProblemRow {
  seq: number;
  id: string;
  json: string;
}
export type CandidateMap = Map<number, { completion: unknown; outcome: CheckOutcomeRow | null }>;

/**
 * What finalize reads: a local build's journal (journalRunSource) or a cluster run's parts in the
 * sink (pipeline/cluster/parts-run-source.ts). `problems()` is iterated twice (hold-out pre-pass).
 */
export interface RunSource {
  problems(): Iterable<ProblemRow> | AsyncIterable<ProblemRow>;
  candidatesOf(seq: number): CandidateMap | Promise<CandidateMap>;
  invalidProblemLines(): number;
}

export function journalRunSource(journal: RunJournal): RunSource {
  return {
    problems: () => journal.problems(),
    candidatesOf: (seq) => journal.candidatesOf(seq),
    invalidProblemLines: () => Number(journal.getMeta('invalid_problem_lines') ?? 0),
  };
}

export interface FinalizeOptions {
  /** Where the candidates come from; `journal` is shorthand for `source: journalRunSource(journal)`. */
  source?: RunSource;
  journal?: RunJournal;
  /** The output root: parts go under `runs/<run-id>/`, `latest.json` at the root. */
  sink: Sink;
  n: number;
  run: RunIdentity;
  template: PromptTemplate;
  splits: { validation_fraction: number; salt: string };
  holdOutEvalSets: boolean;
  evalIndex: EvalIndex;
  exports: ExportsConfig;
  rowsPerPart: number;
  provenance: { toolchain: { lean: string; mathlib_rev: string | null; checker_version: string }; policy: { name: string; version: string }; problems_sha256: string };
  price: PriceTable | null;
  now?: () => Date;
}

export interface FinalizeResult {
  status: 'complete' | 'partial';
  manifestKey: string;
  stats: RunStatsJson;
  /** Candidates with no completion (sampling failed past its retries): not in the records. */
  missingCandidates: number;
}

/**
 * Writes a run's outputs from its journal, in problem order, so the same journal always gives the
 * same parts: canonical records (the source of truth), reward records, every export, stats.json
 * and the dataset card; stale parts of an earlier attempt are removed; `manifest.json` is written
 * LAST with every part's size and sha256 (the commit marker); then `latest.json` — only for a
 * complete run (no missing candidate, no checker error), so `latest` never points at a partial one.
 */
export async function finalizeRun(options: FinalizeOptions): Promise<FinalizeResult> {
  const { sink, run } = options;
  const source = options.source ?? (options.journal === undefined ? null : journalRunSource(options.journal));
  if (source === null) throw new TypeError('finalizeRun: expected a source or a journal');
  const runDir = `runs/${run.runId}`;
  const manifestKey = `${runDir}/manifest.json`;
  // A manifest of an earlier (partial) attempt must not stand over parts this attempt rewrites:
  // until the new manifest is written, the run has none and readers can tell it is not a dataset.
  await sink.delete(manifestKey);
  const put = (key: string, body: Uint8Array) => sink.put(key, body);
  const writer = (prefix: string, extension: 'parquet' | 'jsonl.gz', encoder: () => PartEncoder<unknown>) =>
    new PartWriter<unknown>({ keyPrefix: `${runDir}/${prefix}`, extension, encoder, rowsPerPart: options.rowsPerPart, put });
  const jsonlGz = (): PartEncoder<unknown> => new JsonlGzPart();
  const records = writer('records/part', 'jsonl.gz', jsonlGz);
  const rewards = writer('rewards/part', 'jsonl.gz', jsonlGz);
  const exportWriters = new Map<string, { writer: PartWriter<unknown>; card: Omit<CardPart, 'key' | 'rows' | 'bytes'> }>();
  const stats = new RunStats();
  let missingCandidates = 0;

  const holdout = { hold_out_eval_sets: options.holdOutEvalSets };
  // A statement held out in this run (an evaluation problem by its own source/split) is held out
  // under every other id and source of the same run too, not only when it is in datasets/eval-sets.
  const heldStatements = new Map<string, string>();
  for await (const row of source.problems()) {
    const problem = JSON.parse(row.json) as Problem;
    if (decideHoldout(problem, options.evalIndex, holdout) !== null) heldStatements.set(statementHash(problem.formal_statement), problem.id);
  }

  let problemIndex = 0;
  for await (const row of source.problems()) {
    const problem = JSON.parse(row.json) as Problem;
    const hash = statementHash(problem.formal_statement);
    const shared = problemShared(problem, options.template, hash);
    const twin = heldStatements.get(hash);
    const heldOut = decideHoldout(problem, options.evalIndex, holdout, hash) ??
      (twin === undefined ? null : { reason: 'eval_statement_match' as const, detail: `statement equals held-out problem ${twin} of this run` });
    const placement = { split: assignSplit(hash, options.splits), heldOut };
    const candidates = await source.candidatesOf(row.seq);
    const canonical: CanonicalRecord[] = [];
    for (let sampleIndex = 0; sampleIndex < options.n; sampleIndex += 1) {
      const candidate = candidates.get(sampleIndex);
      if (candidate === undefined || candidate.outcome === null) {
        missingCandidates += 1;
        stats.recordMissing(problem.id, { split: placement.split, held_out: placement.heldOut?.reason ?? null });
        continue;
      }
      const outcome = candidate.outcome.kind === 'verdict' ? { verdict: candidate.outcome.verdict as Verdict } : { error: candidate.outcome.error as CanonicalRecord['error'] & object };
      const record = toCanonicalRecord(problem, candidate.completion as CompletionRecord, outcome, { template: options.template, placement, run, shared });
      canonical.push(record);
      stats.recordCandidate(record);
      await records.write(record);
      await rewards.write(toRewardRecord(record));
    }
    const exported = problemExportRows(canonical, options.exports, problemIndex);
    problemIndex += 1;
    if (exported === null) continue;
    for (const target of EXPORT_TARGETS) {
      const rows = exported.rows.get(target.export);
      if (rows === undefined || rows.length === 0) continue;
      const id = `${target.dir}/${exported.split}`;
      let entry = exportWriters.get(id);
      if (entry === undefined) {
        entry = { writer: writer(`${target.dir}/${exported.split}`, target.format, target.encoder), card: { export: target.export, format: target.format, dir: target.dir, split: exported.split } };
        exportWriters.set(id, entry);
      }
      for (const exportRow of rows) await entry.writer.write(exportRow);
      if (target.format === 'jsonl.gz') stats.recordExportRows(target.export, exported.split, rows.length);
    }
  }

  const cardParts: CardPart[] = [];
  const addParts = (parts: PartInfo[], card: Omit<CardPart, 'key' | 'rows' | 'bytes'>): void => {
    for (const part of parts) cardParts.push({ ...card, key: part.key.slice(runDir.length + 1), rows: part.rows, bytes: part.bytes, sha256: part.sha256 } as CardPart & { sha256: string });
  };
  addParts(await records.finish(), { export: 'records', format: 'jsonl.gz', dir: 'records', split: null });
  addParts(await rewards.finish(), { export: 'rewards', format: 'jsonl.gz', dir: 'rewards', split: null });
  for (const { writer: w, card } of exportWriters.values()) addParts(await w.finish(), card);

  const statsJson = stats.toJSON({ price: options.price });
  const status = missingCandidates === 0 && statsJson.counters.by_kind.error === 0 ? 'complete' : 'partial';
  // Problem lines skipped with --skip-invalid are counted where readers look, never dropped silently.
  const invalidProblemLines = source.invalidProblemLines();
  const statsPart = await sink.put(`${runDir}/stats.json`, `${JSON.stringify({ ...statsJson, missing_candidates: missingCandidates, invalid_problem_lines: invalidProblemLines, status }, null, 2)}\n`);
  const card = renderDatasetCard({
    name: run.dataset, runId: run.runId, configHash: run.configHash,
    toolchain: options.provenance.toolchain, policy: options.provenance.policy, models: [], stats: statsJson, parts: cardParts,
  });
  const readme = await sink.put(`${runDir}/README.md`, card);

  const keep = new Set([...cardParts.map((p) => `${runDir}/${p.key}`), statsPart.key, readme.key, manifestKey]);
  for (const key of await sink.list(`${runDir}/`)) if (!keep.has(key)) await sink.delete(key); // parts of an earlier, larger attempt

  const manifest = {
    schema: MANIFEST_SCHEMA,
    run_id: run.runId,
    dataset: run.dataset,
    status,
    config_hash: run.configHash,
    problems_sha256: options.provenance.problems_sha256,
    toolchain: options.provenance.toolchain,
    policy: options.provenance.policy,
    committed_at: (options.now ?? (() => new Date()))().toISOString(),
    counts: { problems: statsJson.summary.problems, invalid_problem_lines: invalidProblemLines, candidates: statsJson.counters.candidates, missing_candidates: missingCandidates, ...statsJson.counters.by_kind },
    parts: cardParts,
    files: [
      { key: 'stats.json', bytes: statsPart.bytes, sha256: statsPart.sha256 },
      { key: 'README.md', bytes: readme.bytes, sha256: readme.sha256 },
    ],
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await sink.put(manifestKey, manifestText);
  if (status === 'complete') {
    await sink.put('latest.json', `${JSON.stringify({ run_id: run.runId, manifest: manifestKey, manifest_sha256: sha256Hex(manifestText), committed_at: manifest.committed_at }, null, 2)}\n`);
  }
  return { status, manifestKey, stats: statsJson, missingCandidates };
}

/**
 * Points `latest.json` at a committed run's manifest, unless it already does or names a run
 * committed later. For a rerun that finds its run committed: a kill between the manifest and
 * latest.json must not leave latest.json behind for good.
 */
export async function publishLatest(sink: Sink, manifestKey: string, manifestText: string): Promise<boolean> {
  const manifest = JSON.parse(manifestText) as { run_id: string; committed_at: string };
  const sha256 = sha256Hex(manifestText);
  const current = await sink.get('latest.json');
  if (current !== null) {
    const latest = JSON.parse(Buffer.from(current).toString('utf8')) as { manifest_sha256?: string; committed_at?: string };
    if (latest.manifest_sha256 === sha256) return false;
    if (typeof latest.committed_at === 'string' && latest.committed_at > manifest.committed_at) return false;
  }
  await sink.put('latest.json', `${JSON.stringify({ run_id: manifest.run_id, manifest: manifestKey, manifest_sha256: sha256, committed_at: manifest.committed_at }, null, 2)}\n`);
  return true;
}
