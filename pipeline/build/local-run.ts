import PQueue from 'p-queue';
import { type ErrorCode, isProoflineError, ProoflineError } from '../errors.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Problem } from '../schemas/problem.ts';
import type { Verdict } from '../schemas/verdict.ts';
import type { CheckJob } from '../stages/check-stage.ts';
import type { SampleJob } from '../stages/sample-stage.ts';
import type { Stage } from '../stages/stage.ts';
import type { CheckOutcomeRow, ResumeState, RunJournal } from './journal.ts';

/** Failures that say the whole run is misconfigured: stop instead of failing every sample alike. */
const FATAL_CODES: ReadonlySet<ErrorCode> = new Set(['SAMPLER_REQUEST_INVALID', 'SAMPLER_ACCESS_DENIED', 'SAMPLER_MODEL_NOT_FOUND', 'SAMPLE_CACHE_FAILED', 'OUTPUT_WRITE_FAILED', 'CONFIG_INVALID', 'LEAN_NOT_FOUND', 'SANDBOX_UNAVAILABLE', 'REPLAY_MISSING']);

export type LocalRunEvent =
  | { type: 'planned'; candidates: number; done: number }
  | { type: 'sampled'; problemId: string; sampleIndex: number; cached: boolean }
  | { type: 'sample_failed'; problemId: string; sampleIndex: number; error: ProoflineError }
  | { type: 'checked'; problemId: string; sampleIndex: number; verdict: Verdict }
  | { type: 'check_failed'; problemId: string; sampleIndex: number; error: ProoflineError };

export interface LocalRunOptions {
  journal: RunJournal;
  /** Samples per problem. */
  n: number;
  sample: Stage<SampleJob, CompletionRecord>;
  check: Stage<CheckJob, Verdict>;
  sampleConcurrency: number;
  checkConcurrency: number;
  /**
   * Completions waiting for a checker before sampling pauses: a slow checker slows sampling
   * instead of filling memory. Problems are read from the journal in pages, so memory stays flat
   * in the number of problems too.
   */
  maxPendingChecks: number;
  /**
   * Abort = start nothing new: checks in flight finish and are journaled; model requests in flight are
   * abandoned (an unanswered request is not paid for, and an answered one is in the sample cache).
   */
  signal: AbortSignal;
  onEvent?: (event: LocalRunEvent) => void;
  /**
   * The sample stage keeps every completion it paid for in a persistent sample cache (the build's
   * file cache, enabled and the sampler cacheable) before returning it: a completion lost with an
   * uncommitted batch is then answered from that cache on a rerun, for free. When false (the
   * default), a paid completion (not a cache hit, not a replay) is committed at once.
   */
  sampleCachePersistent?: boolean;
}

export interface LocalRunResult {
  interrupted: boolean;
  /** A run-wide error (bad credentials, no Lean) that stopped the run; null otherwise. */
  fatalError: ProoflineError | null;
}

/**
 * The single-machine build: the sample and check stages connected by two bounded in-process
 * queues, with every output journaled as soon as it exists (group-committed, journal.ts; what would cost
 * money or a Lean run to redo is committed at once, see `journaled`). What the journal already holds is not
 * redone: a journaled verdict is final, a journaled completion goes straight to checking, and a
 * journaled infrastructure error is retried (errors are never final).
 */
export async function runLocalBuild(options: LocalRunOptions): Promise<LocalRunResult> {
  const { journal, n } = options;
  const emit = options.onEvent ?? (() => {});
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, options.signal]);
  const samples = new PQueue({ concurrency: options.sampleConcurrency });
  const checks = new PQueue({ concurrency: options.checkConcurrency });
  let fatalError: ProoflineError | null = null;
  const failRun = (error: ProoflineError): void => {
    fatalError ??= error;
    stop.abort(error);
  };

  // A write is reported (progress events) only once its batch is committed (journal.ts). Journal
  // writes are group-committed, so only what is FREE TO REDO waits for the batch: `now` commits the
  // batch in the same turn (with whatever else is pending) when losing this write to a kill -9 would
  // mean paying for a completion again or running Lean on a proof again. Any journal failure — a
  // write that throws, a commit that fails — stops the run with OUTPUT_WRITE_FAILED; nothing of it
  // escapes into a queue's task.
  const journaled = (write: () => Promise<void>, now: boolean, report: () => void): void => {
    let committed: Promise<void>;
    try {
      committed = write();
      if (now) void journal.flush(); // the same commit as `committed`: its failure is handled below
    } catch (caught) {
      committed = Promise.reject(caught);
    }
    committed.then(report, (error: unknown) => failRun(journalFailure(journal, error)));
  };

  const check = (seq: number, problem: Problem, sampleIndex: number, completion: CompletionRecord): void => {
    void checks.add(async () => {
      if (stop.signal.aborted) return;
      // The outcome is decided inside the try, journaled once outside it: a journal failure is
      // never mistaken for the check's failure (and journaled as one).
      let outcome: CheckOutcomeRow;
      let report: () => void;
      let ranLean = false;
      try {
        const verdict = await options.check.run({ problem, completion }, signal);
        outcome = { kind: 'verdict', verdict };
        ranLean = ranLeanFor(verdict);
        report = () => emit({ type: 'checked', problemId: problem.id, sampleIndex, verdict });
      } catch (caught) {
        const error = asProoflineError(caught);
        if (FATAL_CODES.has(error.code)) return failRun(error);
        // An error is never final (a rerun checks again), so it may wait for the batch.
        outcome = { kind: 'error', error: { code: error.code, message: error.message, retryable: error.retryable } };
        report = () => emit({ type: 'check_failed', problemId: problem.id, sampleIndex, error });
      }
      journaled(() => journal.recordOutcome(seq, sampleIndex, outcome), ranLean, report);
    });
  };

  const sample = (seq: number, problem: Problem, sampleIndex: number): void => {
    void samples.add(async () => {
      if (signal.aborted) return;
      let completion: CompletionRecord;
      try {
        completion = await options.sample.run({ problem, sampleIndex }, signal);
      } catch (caught) {
        const error = asProoflineError(caught);
        if (signal.aborted && !isProoflineError(caught)) return; // stopped, not failed
        if (FATAL_CODES.has(error.code)) return failRun(error);
        emit({ type: 'sample_failed', problemId: problem.id, sampleIndex, error });
        return;
      }
      // The check may start before the completion's batch commits: its outcome is written to the
      // same connection after the completion, so it commits in the same batch or a later one.
      // Paid for and in no persistent cache: a rerun would pay again, so it is committed at once.
      const paid = !completion.cached && completion.sampler !== 'replay' && options.sampleCachePersistent !== true;
      journaled(() => journal.recordCompletion(seq, sampleIndex, completion), paid, () => emit({ type: 'sampled', problemId: problem.id, sampleIndex, cached: completion.cached }));
      check(seq, problem, sampleIndex, completion);
    });
  };

  const counts = journal.counts();
  emit({ type: 'planned', candidates: journal.problemCount() * n, done: counts.verdict });
  // A fresh run has nothing journaled per problem: no lookup per problem then.
  const resuming = counts.candidates > 0;
  const nothing = new Map<number, ResumeState>();
  for (const row of journal.problems()) {
    if (signal.aborted) break;
    const problem = JSON.parse(row.json) as Problem;
    const known = resuming ? journal.resumeStateOf(row.seq) : nothing;
    for (let sampleIndex = 0; sampleIndex < n; sampleIndex += 1) {
      const candidate = known.get(sampleIndex);
      if (candidate?.done === true) continue;
      // Backpressure: wait while the sampler or the checker has enough queued work.
      await Promise.all([samples.onSizeLessThan(options.sampleConcurrency), checks.onSizeLessThan(options.maxPendingChecks)]);
      if (signal.aborted) break;
      if (candidate === undefined) sample(row.seq, problem, sampleIndex);
      else check(row.seq, problem, sampleIndex, candidate.completion as CompletionRecord);
    }
  }
  // Sampling feeds checking, so wait for both to drain (a check added after `checks` went idle counts).
  while (samples.size + samples.pending + checks.size + checks.pending > 0) {
    await samples.onIdle();
    await checks.onIdle();
  }
  // What finished is journaled before the run returns (and its events emitted), interrupted or not.
  // (Its progress events were chained on the same commit earlier, so they have run once this resolves.)
  await journal.flush().catch((error: unknown) => failRun(asProoflineError(error)));
  return { interrupted: options.signal.aborted, fatalError };
}

/**
 * Whether a verdict cost a Lean run: decided at L2 or beyond (L0 assembly and the L1 lexical gate
 * never start Lean) and not answered from the verdict cache. Losing it would re-check a proof.
 */
function ranLeanFor(verdict: Verdict): boolean {
  return !verdict.cached && verdict.layer !== 'L0' && verdict.layer !== 'L1';
}

/** A journal write's failure as the run's fatal error (OUTPUT_WRITE_FAILED, whatever threw). */
function journalFailure(journal: RunJournal, caught: unknown): ProoflineError {
  if (caught instanceof ProoflineError && caught.code === 'OUTPUT_WRITE_FAILED') return caught;
  const message = caught instanceof Error ? caught.message : String(caught);
  return new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot write to the run journal ${journal.path}: ${message}`, { cause: caught });
}

function asProoflineError(caught: unknown): ProoflineError {
  return caught instanceof ProoflineError ? caught : new ProoflineError('CHECKER_INTERNAL', `Unexpected failure: ${(caught as Error)?.message ?? String(caught)}`, { cause: caught });
}
