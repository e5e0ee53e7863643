import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { describeIssue } from '../config.ts';
import type { CandidateMap, ProblemRow, RunSource } from '../build/finalize.ts';
import { ProoflineError } from '../errors.ts';
import type { Sink } from '../sinks/sink.ts';
import { clusterWorkPrefix, decodeCandidatePart } from './job-payloads.ts';

/**
 * A cluster run as finalize needs it, read from the sink alone (no Redis: `proofline finalize`
 * must work after the coordinator and even Redis are gone): the coordinator's run.json and problem
 * list, and the workers' candidate parts and dead letters under `work/<run-id>/`. It offers the
 * journal's read shapes (`problems()`, `candidatesOf(seq)`, the invalid line count), async, so
 * finalizeRun can take either once it reads through an interface (docs/cluster.md, "Changes").
 */

export const RUN_INFO_SCHEMA = 'proofline-cluster-run/v1';

export const RunInfoSchema = z
  .object({
    schema: z.literal(RUN_INFO_SCHEMA),
    run_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/u),
    config_hash: z.string().regex(/^[0-9a-f]{64}$/u),
    problems_sha256: z.string().regex(/^[0-9a-f]{64}$/u),
    /** Valid problems, i.e. problem_seq runs over 0 … problems-1. */
    problems: z.number().int().min(1),
    invalid_problem_lines: z.number().int().min(0),
    /** Samples per problem (sampler.n). */
    n: z.number().int().min(1),
    /** The checker every verdict of the run comes from (the manifest's provenance); a worker with another refuses the run's jobs. */
    toolchain: z.object({ lean: z.string().min(1), mathlib_rev: z.string().nullable(), checker_version: z.string().min(1) }).strict(),
  })
  .strict();
export type RunInfo = z.infer<typeof RunInfoSchema>;

/** The shapes finalize reads (its RunSource interface); a PartsRunSource is one. */
export type { CandidateMap, ProblemRow };

export const runInfoKey = (runId: string): string => `${clusterWorkPrefix(runId)}run.json`;
export const problemsKey = (runId: string): string => `${clusterWorkPrefix(runId)}problems.jsonl.gz`;

/** The coordinator's problem list: one `{seq, id, json}` line per valid problem, in order. */
export function encodeProblemList(rows: readonly ProblemRow[]): Uint8Array {
  return gzipSync(rows.map((row) => `${JSON.stringify({ seq: row.seq, id: row.id, json: row.json })}\n`).join(''));
}

const PART_NAME = /\/candidates\/p(\d{8})-s(\d{4})-(\d{4})\.json\.gz$/u;
const DEAD_NAME = /\/dead\/p(\d{8})-s(\d{4})-(\d{4})\.(sample|check)\.json$/u;
const ProblemLineSchema = z.object({ seq: z.number().int().min(0), id: z.string().min(1), json: z.string() }).strict();

interface Range { from: number; to: number; key: string }

export interface PartsRunSource extends RunSource {
  readonly info: RunInfo;
  problems(): AsyncIterable<ProblemRow>;
  candidatesOf(seq: number): Promise<CandidateMap>;
  invalidProblemLines(): number;
  /** Sample ranges of each problem that no part and no dead letter covers: the jobs not finished. */
  unaccounted(): { seq: number; from: number; to: number }[];
}

export async function openPartsRunSource(sink: Sink, runId: string): Promise<PartsRunSource> {
  const infoKey = runInfoKey(runId);
  const infoBytes = await sink.get(infoKey);
  if (infoBytes === null) throw new ProoflineError('INPUT_INVALID', `No cluster run ${runId} in ${sink.uri}: ${infoKey} is missing (was the run started with --cluster, into this output?)`);
  const info = parseOrThrow(RunInfoSchema, infoKey, () => JSON.parse(Buffer.from(infoBytes).toString('utf8')));
  if (info.run_id !== runId) throw new ProoflineError('INPUT_INVALID', `${infoKey}: expected run ${runId}, got ${info.run_id}`);

  const parts = new Map<number, Range[]>();
  const covered = new Map<number, Range[]>();
  const add = (map: Map<number, Range[]>, seq: number, range: Range): void => void (map.get(seq) ?? map.set(seq, []).get(seq)!).push(range);
  const prefix = clusterWorkPrefix(runId);
  for (const key of await sink.list(`${prefix}candidates/`)) {
    const match = PART_NAME.exec(key);
    if (match === null) throw new ProoflineError('INPUT_INVALID', `${key}: expected a candidate part named p<8 digits>-s<4>-<4>.json.gz`);
    const range = { from: Number(match[2]), to: Number(match[3]), key };
    add(parts, Number(match[1]), range);
    add(covered, Number(match[1]), range);
  }
  for (const key of await sink.list(`${prefix}dead/`)) {
    const match = DEAD_NAME.exec(key);
    if (match === null) throw new ProoflineError('INPUT_INVALID', `${key}: expected a dead letter named p<8 digits>-s<4>-<4>.<stage>.json`);
    add(covered, Number(match[1]), { from: Number(match[2]), to: Number(match[3]), key });
  }
  for (const [seq, ranges] of parts) {
    if (seq >= info.problems) throw new ProoflineError('INPUT_INVALID', `${ranges[0]!.key}: problem #${seq} is not in run ${runId} (it has ${info.problems} problems)`);
    const sorted = [...ranges].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i += 1) {
      if (sorted[i]!.from < sorted[i - 1]!.to) throw new ProoflineError('INPUT_INVALID', `${sorted[i]!.key} overlaps ${sorted[i - 1]!.key}: two jobs claim the same candidates (jobs of different granularity in one run?)`);
    }
    parts.set(seq, sorted);
  }

  return {
    info,
    async *problems() {
      const key = problemsKey(runId);
      const bytes = await sink.get(key);
      if (bytes === null) throw new ProoflineError('INPUT_INVALID', `${key} is missing: the coordinator of run ${runId} never wrote its problem list`);
      let expected = 0;
      for (const line of gunzipSync(bytes).toString('utf8').split('\n')) {
        if (line === '') continue;
        const row = parseOrThrow(ProblemLineSchema, `${key}:${expected + 1}`, () => JSON.parse(line));
        if (row.seq !== expected) throw new ProoflineError('INPUT_INVALID', `${key}:${expected + 1}: expected problem #${expected}, got #${row.seq}`);
        expected += 1;
        yield row;
      }
      if (expected !== info.problems) throw new ProoflineError('INPUT_INVALID', `${key}: expected ${info.problems} problems (run.json), got ${expected}`);
    },
    async candidatesOf(seq) {
      const candidates: CandidateMap = new Map();
      for (const range of parts.get(seq) ?? []) {
        const body = await sink.get(range.key);
        if (body === null) throw new ProoflineError('INPUT_INVALID', `${range.key} was listed but is gone`);
        const part = decodeCandidatePart(range.key, body);
        if (part.config_hash !== info.config_hash) throw new ProoflineError('INPUT_INVALID', `${range.key}: written under config hash ${part.config_hash.slice(0, 12)}…, run ${runId} has ${info.config_hash.slice(0, 12)}…`);
        for (const candidate of part.candidates) candidates.set(candidate.sample_index, { completion: candidate.completion, outcome: candidate.outcome });
      }
      return candidates;
    },
    invalidProblemLines: () => info.invalid_problem_lines,
    unaccounted() {
      const gaps: { seq: number; from: number; to: number }[] = [];
      for (let seq = 0; seq < info.problems; seq += 1) {
        let next = 0;
        for (const range of [...(covered.get(seq) ?? [])].sort((a, b) => a.from - b.from)) {
          if (range.from > next) gaps.push({ seq, from: next, to: range.from });
          next = Math.max(next, range.to);
        }
        if (next < info.n) gaps.push({ seq, from: next, to: info.n });
      }
      return gaps;
    },
  };
}

function parseOrThrow<T>(schema: z.ZodType<T>, where: string, read: () => unknown): T {
  let json: unknown;
  try {
    json = read();
  } catch (cause) {
    throw new ProoflineError('INPUT_INVALID', `${where}: expected JSON, got unreadable text (${(cause as Error).message})`, { cause });
  }
  const result = schema.safeParse(json, { reportInput: true });
  if (!result.success) throw new ProoflineError('INPUT_INVALID', `${where}: ${result.error.issues.map((issue) => describeIssue(issue)).join('; ')}`);
  return result.data;
}
