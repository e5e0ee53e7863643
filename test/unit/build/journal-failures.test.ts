import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunJournal } from '../../../pipeline/build/journal.ts';
import { runLocalBuild } from '../../../pipeline/build/local-run.ts';
import { ProoflineError } from '../../../pipeline/errors.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';

let dir: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-failures-'));
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await rm(dir, { recursive: true, force: true });
});

/** The journal with some methods replaced (the rest bound to the real journal: it has private fields). */
function replacing(journal: RunJournal, methods: Record<string, unknown>): RunJournal {
  return new Proxy(journal, {
    get: (target, key) => (typeof key === 'string' && key in methods ? methods[key] : typeof Reflect.get(target, key) === 'function' ? (Reflect.get(target, key) as Function).bind(target) : Reflect.get(target, key)),
  });
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function withProblems(journal: RunJournal, count: number): RunJournal {
  const loader = journal.problemLoader();
  for (let k = 0; k < count; k += 1) loader.add({ id: `p${k}`, line: k + 1, json: JSON.stringify({ id: `p${k}`, header: '', formal_statement: 'x' }) });
  loader.commit();
  return journal;
}

function committed(path: string): { candidates: number; outcomes: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare('SELECT (SELECT COUNT(*) FROM candidates) AS candidates, (SELECT COUNT(*) FROM outcomes) AS outcomes').get() as { candidates: number; outcomes: number };
  } finally {
    db.close();
  }
}

const verdict = (layer: Verdict['layer'], cached = false) =>
  ({ kind: 'rejected', reason: 'lean_error', detail: '', layer, axioms: null, messages: [], elapsed_ms: 1, cached, timings: {}, provenance: {} }) as unknown as Verdict;
const completionOf = (problemId: string, sampleIndex: number, extra: Partial<CompletionRecord> = {}) =>
  ({ problem_id: problemId, sample_index: sampleIndex, sampler: 'bedrock', text: 't', cached: false, ...extra }) as unknown as CompletionRecord;

describe('a journal write that fails mid-run (disk full)', () => {
  it('stops the run with OUTPUT_WRITE_FAILED, no unhandled rejection, when the completion’s commit fails and its check then finishes', async () => {
    const journal = withProblems(RunJournal.open(':memory:'), 1);
    // As RunJournal does when COMMIT fails: the completion is rolled back and its write's promise rejects.
    const failing = replacing(journal, {
      recordCompletion: () => Promise.reject(new ProoflineError('OUTPUT_WRITE_FAILED', 'Cannot commit to the run journal: database or disk is full')),
    });
    const result = await runLocalBuild({
      journal: failing, n: 1, sampleConcurrency: 1, checkConcurrency: 1, maxPendingChecks: 4, signal: new AbortController().signal,
      sample: { name: 'sample', run: async () => completionOf('p0', 0) },
      // Finishes after the commit failed: its outcome has no completion row to attach to (recordOutcome throws).
      check: { name: 'check', run: async () => (await tick(30), verdict('L2')) },
    });
    await tick(50);
    expect(result.fatalError?.code).toBe('OUTPUT_WRITE_FAILED');
    expect(unhandled).toEqual([]);
  });

  it('a journal write that throws synchronously is a fatal OUTPUT_WRITE_FAILED, never journaled as the check’s error', async () => {
    const journal = withProblems(RunJournal.open(':memory:'), 1);
    const errorsJournaled: unknown[] = [];
    const failing = replacing(journal, {
      recordOutcome: (_seq: number, _index: number, outcome: { kind: string }) => {
        errorsJournaled.push(outcome.kind);
        throw new ProoflineError('CHECKER_INTERNAL', 'Journal has no completion for problem #0 sample 0 to attach a check outcome to');
      },
    });
    const events: string[] = [];
    const result = await runLocalBuild({
      journal: failing, n: 1, sampleConcurrency: 1, checkConcurrency: 1, maxPendingChecks: 4, signal: new AbortController().signal,
      sample: { name: 'sample', run: async () => completionOf('p0', 0) },
      check: { name: 'check', run: async () => verdict('L2') },
      onEvent: (event) => void events.push(event.type),
    });
    await tick(20);
    expect(result.fatalError).toMatchObject({ code: 'OUTPUT_WRITE_FAILED', message: expect.stringContaining('Journal has no completion') });
    expect(errorsJournaled).toEqual(['verdict']); // journaled once; no error outcome written after it
    expect(events).not.toContain('checked');
    expect(events).not.toContain('check_failed');
    expect(unhandled).toEqual([]);
  });
});

describe('RunJournal when SQLite rolls a batch back (SQLITE_FULL, SQLITE_IOERR)', () => {
  it('rejects the batch’s writers at once and opens a new batch for the next write instead of running in autocommit', async () => {
    const path = join(dir, 'journal.sqlite');
    const journal = withProblems(RunJournal.open(path, { batchDelayMs: 60_000, batchWrites: 10_000 }), 1);
    // Another connection adds a trigger that rolls back the whole transaction, as SQLite does on a full disk.
    const other = new DatabaseSync(path);
    other.exec("CREATE TRIGGER full BEFORE INSERT ON candidates WHEN NEW.sample_index = 99 BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END;");
    other.close();
    let firstFailure: unknown = null;
    const first = journal.recordCompletion(0, 0, { text: 'a' });
    first.catch((error: unknown) => void (firstFailure = error));
    expect(() => journal.recordCompletion(0, 99, { text: 'b' })).toThrow(expect.objectContaining({ code: 'OUTPUT_WRITE_FAILED' }));
    await tick();
    expect(firstFailure).toMatchObject({ code: 'OUTPUT_WRITE_FAILED', message: expect.stringContaining('rolled back') });
    // The next write is in a new batch: not visible to another process until its commit.
    const next = journal.recordCompletion(0, 1, { text: 'c' });
    expect(committed(path)).toEqual({ candidates: 0, outcomes: 0 });
    await journal.flush();
    await next;
    expect(committed(path)).toEqual({ candidates: 1, outcomes: 0 });
    journal.close();
  });
});

describe('what is committed at once and what waits for the batch', () => {
  /** Runs one candidate per problem with a batch that never commits by itself; returns what another process saw when each stage returned. */
  async function seenAfter(options: { verdict: Verdict; completion: Partial<CompletionRecord>; sampleCachePersistent?: boolean }) {
    const path = join(dir, `j-${Math.random().toString(36).slice(2)}.sqlite`);
    const journal = withProblems(RunJournal.open(path, { batchDelayMs: 60_000, batchWrites: 10_000 }), 2);
    const seen: { candidates: number; outcomes: number }[] = [];
    let checks = 0;
    await runLocalBuild({
      journal, n: 1, sampleConcurrency: 1, checkConcurrency: 1, maxPendingChecks: 1, signal: new AbortController().signal,
      sampleCachePersistent: options.sampleCachePersistent,
      sample: { name: 'sample', run: async ({ problem, sampleIndex }) => completionOf(problem.id, sampleIndex, options.completion) },
      // The second check looks at what the first left committed.
      check: { name: 'check', run: async () => ((checks += 1) === 2 && seen.push(committed(path)), options.verdict) },
    });
    journal.close();
    return seen[0]!;
  }

  it('a verdict that ran Lean (L2+, not from the verdict cache) and a paid completion are committed before anything else runs', async () => {
    expect(await seenAfter({ verdict: verdict('L2'), completion: {} })).toEqual({ candidates: 2, outcomes: 1 });
    expect(await seenAfter({ verdict: verdict('L3'), completion: {} })).toMatchObject({ outcomes: 1 });
  });

  it('L0/L1 verdicts, verdict-cache hits, cached or replayed completions, and completions kept by a persistent sample cache wait for the batch', async () => {
    expect(await seenAfter({ verdict: verdict('L1'), completion: { cached: true } })).toEqual({ candidates: 0, outcomes: 0 });
    expect(await seenAfter({ verdict: verdict('L0'), completion: { sampler: 'replay' } })).toEqual({ candidates: 0, outcomes: 0 });
    expect(await seenAfter({ verdict: verdict('L2', true), completion: {}, sampleCachePersistent: true })).toEqual({ candidates: 0, outcomes: 0 });
  });
});
