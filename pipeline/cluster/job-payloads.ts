import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { describeIssue } from '../config.ts';
import { ERROR_CODES, ProoflineError } from '../errors.ts';
import { CompletionRecordSchema } from '../schemas/completion.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import { VerdictSchema } from '../schemas/verdict.ts';

/**
 * What travels through the cluster's queues, and what workers leave in the sink.
 *
 * Granularity: one job per problem carrying a contiguous range of its sample indices, by default
 * all k of them (`samples: {from: 0, to: k}`). Why per problem by default:
 * - the queue costs a few Redis round trips per job (add, fetch + lock, complete); k candidates per
 *   job divide that by k, which is how the issue's "< 2 ms queue overhead per job" stays far below
 *   the cost of one Lean check;
 * - a problem's k samples share the prompt and the Lean header: one checking worker imports the
 *   header once (warm REPL pool per header) and its in-process verdict cache catches identical
 *   proofs within the group before Redis is asked;
 * - one job = one part file in the sink, so a problem's candidates are written together or not.
 * The range makes finer jobs (e.g. k=64 split in 4 jobs of 16 for balance at the tail of a run)
 * the same schema: part and job names carry the range, so a finer split never collides with a
 * coarser one. Which split balances better is for the benchmark to say (issue #9).
 */

export const JOB_SCHEMA = 'proofline-cluster-job/v1';
export const PART_SCHEMA = 'proofline-cluster-part/v1';

const RUN_ID = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/u, 'expected a run id of letters, digits, `.`, `_`, `-`');
const SHA256 = z.string().regex(/^[0-9a-f]{64}$/u, 'expected a sha256 hex digest');
/** Samples per job is bounded so one job stays a sane Redis value (completions ride in check jobs). */
export const MAX_SAMPLES_PER_JOB = 256;

const SampleRangeSchema = z
  .object({ from: z.number().int().min(0), to: z.number().int().min(1) })
  .strict()
  .refine((r) => r.from < r.to && r.to - r.from <= MAX_SAMPLES_PER_JOB, { message: `expected 0 <= from < to with at most ${MAX_SAMPLES_PER_JOB} samples per job` });

const JobBase = {
  schema: z.literal(JOB_SCHEMA),
  run_id: RUN_ID,
  /** The coordinator's config hash: a worker whose config hashes differently refuses the job (non-retryable). */
  config_hash: SHA256,
  /** The problem's position in the run's problem set (0-based, valid lines only): the order of the records. */
  problem_seq: z.number().int().min(0),
  problem: ProblemSchema,
  samples: SampleRangeSchema,
};

export const SampleJobPayloadSchema = z.object(JobBase).strict();
export type SampleJobPayload = z.infer<typeof SampleJobPayloadSchema>;

/**
 * A check job carries the completions the sample job produced, in sample-index order, and the
 * samples whose sampling failed for good (`failed_samples`, after the sample job's last attempt):
 * together they cover the job's range exactly. The failed ones are missing candidates, as in a
 * local run; the check worker writes the sample dead letter with the part, so the job is accounted
 * for only once its part exists.
 */
const FailedSampleSchema = z.object({ sample_index: z.number().int().min(0), error: z.lazy(() => JobErrorSchema) }).strict();
export const CheckJobPayloadSchema = z
  .object({ ...JobBase, completions: z.array(CompletionRecordSchema), failed_samples: z.array(FailedSampleSchema).optional() })
  .strict()
  .superRefine((job, context) => {
    const expected = job.samples.to - job.samples.from;
    const failed = job.failed_samples ?? [];
    if (job.completions.length + failed.length !== expected) {
      context.addIssue({ code: 'custom', path: ['completions'], message: `expected ${expected} completions for samples ${job.samples.from}..${job.samples.to - 1}, got ${job.completions.length}${failed.length > 0 ? ` and ${failed.length} failed sample(s)` : ''}` });
      return;
    }
    const failedIndices = new Set(failed.map((f) => f.sample_index));
    let index = job.samples.from;
    job.completions.forEach((completion, offset) => {
      while (failedIndices.has(index)) index += 1;
      if (completion.sample_index !== index) context.addIssue({ code: 'custom', path: ['completions', offset, 'sample_index'], message: `expected sample ${index}, got ${completion.sample_index}` });
      if (completion.problem_id !== job.problem.id) context.addIssue({ code: 'custom', path: ['completions', offset, 'problem_id'], message: `expected problem ${job.problem.id}, got ${completion.problem_id}` });
      index += 1;
    });
    failed.forEach((f, offset) => {
      if (f.sample_index < job.samples.from || f.sample_index >= job.samples.to) context.addIssue({ code: 'custom', path: ['failed_samples', offset, 'sample_index'], message: `expected a sample index in ${job.samples.from}..${job.samples.to - 1}, got ${f.sample_index}` });
    });
    if (failedIndices.size !== failed.length) context.addIssue({ code: 'custom', path: ['failed_samples'], message: 'expected each failed sample once' });
  });
export type CheckJobPayload = z.infer<typeof CheckJobPayloadSchema>;

const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]);
const JobErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string(), retryable: z.boolean() }).strict();

/** A job that failed for good (non-retryable, or retryable past its attempts): counted by code in the run's stats. */
export const DeadLetterSchema = z
  .object({
    schema: z.literal(JOB_SCHEMA),
    run_id: RUN_ID,
    stage: z.enum(['sample', 'check']),
    job_id: z.string().min(1),
    problem_seq: z.number().int().min(0),
    problem_id: z.string().min(1),
    samples: SampleRangeSchema,
    error: JobErrorSchema,
    attempts: z.number().int().min(1),
    failed_at: z.iso.datetime(),
  })
  .strict();
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** The same outcome row the local run journal holds (pipeline/build/journal.ts CheckOutcomeRow). */
const OutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('verdict'), verdict: VerdictSchema }).strict(),
  z.object({ kind: z.literal('error'), error: JobErrorSchema }).strict(),
]);

/**
 * One job's results in the sink, under a deterministic key (candidatePartKey): a retried or
 * duplicated job overwrites its part with the same content instead of appending a second copy.
 * Finalize reads these where the local build reads its journal. A sample index of the range with
 * no candidate is a missing candidate (its sampling failed for good; the job's dead letter says
 * why), exactly as a journal row that was never written.
 */
export const CandidatePartSchema = z
  .object({
    schema: z.literal(PART_SCHEMA),
    run_id: RUN_ID,
    config_hash: SHA256,
    problem_seq: z.number().int().min(0),
    problem_id: z.string().min(1),
    samples: SampleRangeSchema,
    candidates: z.array(z.object({ sample_index: z.number().int().min(0), completion: CompletionRecordSchema, outcome: OutcomeSchema }).strict()),
  })
  .strict()
  .superRefine((part, context) => {
    let previous = part.samples.from - 1;
    part.candidates.forEach((candidate, offset) => {
      if (candidate.sample_index <= previous || candidate.sample_index >= part.samples.to) {
        context.addIssue({ code: 'custom', path: ['candidates', offset, 'sample_index'], message: `expected a sample index above ${previous} and below ${part.samples.to} (ascending, within the job's range), got ${candidate.sample_index}` });
      }
      if (candidate.completion.sample_index !== candidate.sample_index || candidate.completion.problem_id !== part.problem_id) {
        context.addIssue({ code: 'custom', path: ['candidates', offset, 'completion'], message: `expected the completion of ${part.problem_id}#${candidate.sample_index}, got ${candidate.completion.problem_id}#${candidate.completion.sample_index}` });
      }
      previous = candidate.sample_index;
    });
  });
export type CandidatePart = z.infer<typeof CandidatePartSchema>;

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * BullMQ job id of a (run, problem, range): the same in every attempt and every coordinator
 * restart, so re-enqueueing a job that exists is a no-op. BullMQ refuses `:` in custom ids (and
 * integer-looking ids); run ids have neither.
 */
export function clusterJobId(runId: string, problemSeq: number, samples: { from: number; to: number }): string {
  return `${RUN_ID.parse(runId)}/p${pad(problemSeq, 8)}/s${samples.from}-${samples.to}`;
}

/**
 * Where a job's results go in the sink: `work/<run-id>/candidates/p00000012-s0000-0004.json.gz`.
 * Outside `runs/<run-id>/`, so the published run directory holds exactly what a local build
 * writes (finalize deletes anything there that is not in the manifest), and sorted by name in
 * problem order.
 */
export function candidatePartKey(runId: string, problemSeq: number, samples: { from: number; to: number }): string {
  return `${clusterWorkPrefix(runId)}candidates/p${pad(problemSeq, 8)}-s${pad(samples.from, 4)}-${pad(samples.to, 4)}.json.gz`;
}

/**
 * Where a job that failed for good leaves its dead letter in the sink:
 * `work/<run-id>/dead/p00000012-s0000-0004.sample.json`. Durable beside the parts (a Redis lost
 * mid-run must not lose the accounting): every job of a run ends as a part, a dead letter, or both
 * (a sample job that got some of its samples), and finalize refuses a run with a job that has neither.
 */
export function deadLetterKey(runId: string, problemSeq: number, samples: { from: number; to: number }, stage: 'sample' | 'check'): string {
  return `${clusterWorkPrefix(runId)}dead/p${pad(problemSeq, 8)}-s${pad(samples.from, 4)}-${pad(samples.to, 4)}.${stage}.json`;
}

/** `work/<run-id>/`: the run's cluster work area in the sink (parts, dead letters, the coordinator's run.json). */
export function clusterWorkPrefix(runId: string): string {
  return `work/${RUN_ID.parse(runId)}/`;
}

export function encodeCandidatePart(part: CandidatePart): Uint8Array {
  return gzipSync(`${JSON.stringify(CandidatePartSchema.parse(part))}\n`, { level: 6 });
}

/** Decodes and validates a part; `key` must be the part's own key (a misplaced part is refused). */
export function decodeCandidatePart(key: string, body: Uint8Array): CandidatePart {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(body).toString('utf8'));
  } catch (cause) {
    throw new ProoflineError('INPUT_INVALID', `${key}: expected a gzipped JSON candidate part, got unreadable bytes (${(cause as Error).message})`, { cause });
  }
  const result = CandidatePartSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw new ProoflineError('INPUT_INVALID', `${key}: ${result.error.issues.map((issue) => describeIssue(issue)).join('; ')}`);
  const part = result.data;
  const expected = candidatePartKey(part.run_id, part.problem_seq, part.samples);
  if (expected !== key) throw new ProoflineError('INPUT_INVALID', `${key}: holds ${part.run_id} problem #${part.problem_seq} samples ${part.samples.from}..${part.samples.to - 1}, which belong at ${expected}`);
  return part;
}

/** Validates a job's data as BullMQ hands it over: a foreign or corrupt job fails non-retryably (dead letter) with what is wrong. */
export function parseJobPayload<T>(schema: z.ZodType<T>, jobId: string, data: unknown): T {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ProoflineError('INPUT_INVALID', `Job ${jobId}: ${result.error.issues.map((issue) => describeIssue(issue)).join('; ')}`, { details: { jobId } });
}
