import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunJournal } from '../../../pipeline/build/journal.ts';
import { runLocalBuild } from '../../../pipeline/build/local-run.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-batching-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What another process would find in the journal file right now (committed rows only). */
function committedOutcomes(path: string): { candidates: number; outcomes: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare('SELECT (SELECT COUNT(*) FROM candidates) AS candidates, (SELECT COUNT(*) FROM outcomes) AS outcomes').get() as { candidates: number; outcomes: number };
  } finally {
    db.close();
  }
}

function withProblems(journal: RunJournal, count: number): RunJournal {
  const loader = journal.problemLoader();
  for (let k = 0; k < count; k += 1) loader.add({ id: `p${k}`, line: k + 1, json: JSON.stringify({ id: `p${k}`, header: '', formal_statement: `theorem t${k} : True := by sorry` }) });
  loader.commit();
  return journal;
}

describe('RunJournal group commit', () => {
  it('commits a batch of writes at once after the delay; each write resolves only once it is committed', async () => {
    const path = join(dir, 'journal.sqlite');
    const journal = withProblems(RunJournal.open(path, { batchDelayMs: 50, batchWrites: 1000 }), 2);
    let committed = 0;
    const writes = [
      journal.recordCompletion(0, 0, { text: 'a' }),
      journal.recordCompletion(1, 0, { text: 'b' }),
      journal.recordOutcome(0, 0, { kind: 'verdict', verdict: { kind: 'accepted' } }),
    ].map((write) => write.then(() => void (committed += 1)));
    // Written to the open transaction: the journal's own reads see it, another reader does not yet.
    expect(journal.counts()).toEqual({ candidates: 2, verdict: 1, error: 0, pending: 1 });
    expect(committedOutcomes(path)).toEqual({ candidates: 0, outcomes: 0 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(committed).toBe(0);
    await Promise.all(writes);
    expect(committed).toBe(3);
    expect(committedOutcomes(path)).toEqual({ candidates: 2, outcomes: 1 });
    journal.close();
  });

  it('commits as soon as a batch holds batchWrites writes, and flush() commits at once', async () => {
    const path = join(dir, 'journal.sqlite');
    const journal = withProblems(RunJournal.open(path, { batchDelayMs: 60_000, batchWrites: 2 }), 3);
    void journal.recordCompletion(0, 0, { text: 'a' });
    expect(committedOutcomes(path).candidates).toBe(0);
    await journal.recordCompletion(1, 0, { text: 'b' }); // the second write fills the batch
    expect(committedOutcomes(path).candidates).toBe(2);
    const third = journal.recordCompletion(2, 0, { text: 'c' });
    expect(committedOutcomes(path).candidates).toBe(2);
    await journal.flush();
    await third;
    expect(committedOutcomes(path).candidates).toBe(3);
    journal.close();
  });

  it('close() commits what is still open', () => {
    const path = join(dir, 'journal.sqlite');
    const journal = withProblems(RunJournal.open(path, { batchDelayMs: 60_000 }), 1);
    void journal.recordCompletion(0, 0, { text: 'a' });
    journal.close();
    expect(committedOutcomes(path).candidates).toBe(1);
  });

  it('resumeStateOf: verdicts are done (their completion is not read back); completions without a verdict are to check', () => {
    const journal = withProblems(RunJournal.open(join(dir, 'journal.sqlite')), 1);
    void journal.recordCompletion(0, 0, { text: 'done' });
    void journal.recordOutcome(0, 0, { kind: 'verdict', verdict: { kind: 'accepted' } });
    void journal.recordCompletion(0, 1, { text: 'errored' });
    void journal.recordOutcome(0, 1, { kind: 'error', error: { code: 'LEAN_CRASHED', message: 'x', retryable: true } });
    void journal.recordCompletion(0, 2, { text: 'unchecked' });
    expect([...journal.resumeStateOf(0)].sort(([a], [b]) => a - b)).toEqual([
      [0, { done: true }],
      [1, { done: false, completion: { text: 'errored' } }],
      [2, { done: false, completion: { text: 'unchecked' } }],
    ]);
    journal.close();
  });
});

describe('RunJournal format', () => {
  it('keeps outcomes apart from completions, and moves the outcomes of a journal of the earlier format over when it opens it', () => {
    const path = join(dir, 'journal.sqlite');
    // A journal as the earlier version left it: outcomes in the candidates table, no format in meta.
    const old = new DatabaseSync(path);
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE problems (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, line INTEGER NOT NULL, json TEXT NOT NULL);
      CREATE TABLE candidates (problem_seq INTEGER NOT NULL, sample_index INTEGER NOT NULL, completion TEXT NOT NULL, outcome TEXT, outcome_kind TEXT, PRIMARY KEY (problem_seq, sample_index)) WITHOUT ROWID;
      INSERT INTO problems VALUES (0, 'p0', 1, '{"id":"p0"}');
      INSERT INTO candidates VALUES (0, 0, '{"text":"a"}', '{"kind":"verdict","verdict":{"kind":"accepted"}}', 'verdict');
      INSERT INTO candidates VALUES (0, 1, '{"text":"b"}', '{"kind":"error","error":{"code":"LEAN_CRASHED","message":"x","retryable":true}}', 'error');
      INSERT INTO candidates VALUES (0, 2, '{"text":"c"}', NULL, NULL);
    `);
    old.close();
    const journal = RunJournal.open(path);
    expect(journal.counts()).toEqual({ candidates: 3, verdict: 1, error: 1, pending: 1 });
    expect([...journal.resumeStateOf(0)].sort(([a], [b]) => a - b)).toEqual([
      [0, { done: true }],
      [1, { done: false, completion: { text: 'b' } }],
      [2, { done: false, completion: { text: 'c' } }],
    ]);
    expect(journal.candidatesOf(0).get(0)).toEqual({ completion: { text: 'a' }, outcome: { kind: 'verdict', verdict: { kind: 'accepted' } } });
    // A completion journaled again (resampled) drops its earlier outcome.
    void journal.recordCompletion(0, 1, { text: 'b2' });
    expect(journal.candidatesOf(0).get(1)).toEqual({ completion: { text: 'b2' }, outcome: null });
    journal.close();
    expect(committedOutcomes(path)).toEqual({ candidates: 3, outcomes: 1 });
    // Opening it again changes nothing (the format is recorded).
    const again = RunJournal.open(path);
    expect(again.counts()).toEqual({ candidates: 3, verdict: 1, error: 0, pending: 2 });
    expect(() => again.recordOutcome(0, 7, { kind: 'verdict', verdict: {} })).toThrow('Journal has no completion for problem #0 sample 7');
    again.close();
  });
});

describe('runLocalBuild with a group-committing journal', () => {
  it('reports a candidate sampled or checked only once another reader of the journal file can see it (kill -9 after an event never loses it)', async () => {
    const path = join(dir, 'journal.sqlite');
    const journal = withProblems(RunJournal.open(path, { batchDelayMs: 30, batchWrites: 1000 }), 6);
    const seen: string[] = [];
    let checkedEvents = 0;
    let sampledEvents = 0;
    const result = await runLocalBuild({
      journal, n: 2, sampleConcurrency: 4, checkConcurrency: 2, maxPendingChecks: 4, signal: new AbortController().signal,
      sample: { name: 'sample', run: async (job) => ({ problem_id: job.problem.id, sample_index: job.sampleIndex, text: 'x', cached: false }) as CompletionRecord },
      check: { name: 'check', run: async () => ({ kind: 'rejected', reason: 'lean_error' }) as Verdict },
      onEvent: (event) => {
        if (event.type === 'planned') return;
        const committed = committedOutcomes(path);
        if (event.type === 'sampled') sampledEvents += 1;
        if (event.type === 'checked') checkedEvents += 1;
        // Every event so far is durable: at least as many committed rows as events reported.
        seen.push(`${event.type} ${committed.candidates >= sampledEvents && committed.outcomes >= checkedEvents}`);
      },
    });
    expect(result).toEqual({ interrupted: false, fatalError: null });
    expect(seen).toHaveLength(24);
    expect(seen.every((line) => line.endsWith('true'))).toBe(true);
    expect(committedOutcomes(path)).toEqual({ candidates: 12, outcomes: 12 });
    journal.close();
  });
});
