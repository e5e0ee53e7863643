import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { ProoflineError } from '../errors.ts';

/**
 * A build run's durable progress: an embedded SQLite file (Node's built-in `node:sqlite`, no
 * server) in WAL mode. Completions and check outcomes are GROUP-COMMITTED: writes go into one
 * open transaction that commits after `batchDelayMs` (default 20 ms) or `batchWrites` writes
 * (default 256), whichever comes first — one commit per ~20 writes at build rates instead of one
 * per write. Each write returns a promise that resolves once its transaction has committed; callers
 * report a write (progress events) only then. So `kill -9` at any moment loses only work that was
 * never reported as journaled (at most the last batch, like a check in flight): a rerun of the same
 * command skips what is journaled and redoes the rest. Only what is free to redo waits for a batch:
 * the build (local-run.ts) commits at once (`flush`) a verdict that ran Lean and a paid completion
 * that no persistent sample cache holds, so no proof is checked twice and no completion paid for twice.
 *
 * `synchronous = NORMAL` in WAL mode makes a commit durable against a process crash (the write has
 * reached the OS); only a power loss can drop the last commits, which a rerun then redoes.
 *
 * The part files are written from the journal at the end (finalize), in a deterministic order, so
 * an interrupted and an uninterrupted run produce the same bytes.
 */

export type CheckOutcomeRow =
  | { kind: 'verdict'; verdict: unknown }
  | { kind: 'error'; error: { code: string; message: string; retryable: boolean } };

export interface JournalBatchOptions {
  /** Commit the open batch this long after its first write (default 20 ms). */
  batchDelayMs?: number;
  /** Commit the open batch once it holds this many writes (default 256). */
  batchWrites?: number;
}

interface Batch {
  writes: number;
  timer: NodeJS.Timeout;
  committed: Promise<void>;
  resolve: () => void;
  reject: (error: ProoflineError) => void;
}

/** What a resumed run still has to do for one problem (see `resumeStateOf`). */
export type ResumeState = { done: true } | { done: false; completion: unknown };

export class RunJournal {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #lock: DatabaseSync | null;
  readonly #statements: Record<string, StatementSync> = {};
  readonly #batchDelayMs: number;
  readonly #batchWrites: number;
  #batch: Batch | null = null;

  private constructor(path: string, db: DatabaseSync, lock: DatabaseSync | null, options: JournalBatchOptions) {
    this.path = path;
    this.#db = db;
    this.#lock = lock;
    this.#batchDelayMs = options.batchDelayMs ?? 20;
    this.#batchWrites = options.batchWrites ?? 256;
  }

  static open(path: string, options: JournalBatchOptions = {}): RunJournal {
    let db: DatabaseSync;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const lock = path === ':memory:' ? null : lockRun(path);
    try {
      db = new DatabaseSync(path);
      db.exec(`
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA busy_timeout = 5000;
        PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES};
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS problems (
          seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, line INTEGER NOT NULL, json TEXT NOT NULL);
        -- outcome / outcome_kind: where journals before format 2 kept the outcome (moved to outcomes on open).
        CREATE TABLE IF NOT EXISTS candidates (
          problem_seq INTEGER NOT NULL, sample_index INTEGER NOT NULL,
          completion TEXT NOT NULL, outcome TEXT, outcome_kind TEXT,
          PRIMARY KEY (problem_seq, sample_index)) WITHOUT ROWID;
        -- Outcomes apart from their (large) completions: journaling a verdict does not rewrite the completion's row.
        CREATE TABLE IF NOT EXISTS outcomes (
          problem_seq INTEGER NOT NULL, sample_index INTEGER NOT NULL, kind TEXT NOT NULL, outcome TEXT NOT NULL,
          PRIMARY KEY (problem_seq, sample_index)) WITHOUT ROWID;
      `);
      upgradeJournal(db);
    } catch (cause) {
      lock?.close();
      throw new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot open the run journal ${path}: ${(cause as Error).message}`, { cause });
    }
    return new RunJournal(path, db, lock, options);
  }

  #statement(sql: string): StatementSync {
    this.#statements[sql] ??= this.#db.prepare(sql);
    return this.#statements[sql];
  }

  getMeta(key: string): string | null {
    const row = this.#statement('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.#commitBatch();
    this.#statement('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /**
   * Loads validated problems in one transaction, streamed row by row: `commit()` makes the whole
   * set visible at once, `rollback()` leaves the journal without problems (a rerun loads again).
   */
  problemLoader(): { add(problem: { id: string; line: number; json: string }): void; commit(): number; rollback(): void } {
    const insert = this.#statement('INSERT INTO problems (seq, id, line, json) VALUES (?, ?, ?, ?)');
    this.#commitBatch();
    this.#db.exec('BEGIN');
    let seq = 0;
    return {
      add: (problem) => void insert.run(seq++, problem.id, problem.line, problem.json),
      commit: () => {
        this.#db.exec('COMMIT');
        return seq;
      },
      rollback: () => this.#db.exec('ROLLBACK'),
    };
  }

  problemCount(): number {
    return (this.#statement('SELECT COUNT(*) AS n FROM problems').get() as { n: number }).n;
  }

  /** Problems in input order, `batchSize` rows at a time (memory stays flat). */
  *problems(batchSize = 500): Generator<{ seq: number; id: string; json: string }> {
    const page = this.#statement('SELECT seq, id, json FROM problems WHERE seq >= ? ORDER BY seq LIMIT ?');
    for (let from = 0; ; ) {
      const rows = page.all(from, batchSize) as { seq: number; id: string; json: string }[];
      if (rows.length === 0) return;
      yield* rows;
      from = rows[rows.length - 1]!.seq + 1;
    }
  }

  /** Journals a completion (replacing an earlier one and its outcome); resolves once committed. */
  recordCompletion(problemSeq: number, sampleIndex: number, completion: unknown): Promise<void> {
    return this.#write(() => {
      this.#statement('INSERT INTO candidates (problem_seq, sample_index, completion) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET completion = excluded.completion')
        .run(problemSeq, sampleIndex, JSON.stringify(completion));
      this.#statement('DELETE FROM outcomes WHERE problem_seq = ? AND sample_index = ?').run(problemSeq, sampleIndex);
    });
  }

  /** Journals a check outcome for a journaled completion; resolves once committed. */
  recordOutcome(problemSeq: number, sampleIndex: number, outcome: CheckOutcomeRow): Promise<void> {
    return this.#write(() => {
      // Inserted only where the completion is journaled (no row otherwise: changes = 0).
      const result = this.#statement('INSERT INTO outcomes (problem_seq, sample_index, kind, outcome) SELECT problem_seq, sample_index, ?, ? FROM candidates WHERE problem_seq = ? AND sample_index = ? ON CONFLICT DO UPDATE SET kind = excluded.kind, outcome = excluded.outcome')
        .run(outcome.kind, JSON.stringify(outcome), problemSeq, sampleIndex);
      if (result.changes !== 1) throw new ProoflineError('CHECKER_INTERNAL', `Journal has no completion for problem #${problemSeq} sample ${sampleIndex} to attach a check outcome to`);
    });
  }

  /** Commits the open batch now; resolves when every write made so far is durable (rejects if that commit failed). */
  flush(): Promise<void> {
    const batch = this.#batch;
    this.#commitBatch();
    return batch?.committed ?? Promise.resolve();
  }

  /**
   * Runs one write inside the open batch (opening one if needed) and returns the batch's commit.
   * A statement that throws leaves the batch's earlier writes in the transaction — unless SQLite
   * rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR…): the batch is then lost, so its
   * writers are rejected at once (OUTPUT_WRITE_FAILED) and the next write opens a new batch instead
   * of running in autocommit. Either way the statement's error is thrown.
   */
  #write(write: () => void): Promise<void> {
    if (this.#batch === null) {
      try {
        this.#db.exec('BEGIN');
      } catch (cause) {
        throw new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot write to the run journal ${this.path}: ${(cause as Error).message}`, { cause });
      }
      let resolve!: () => void;
      let reject!: (error: ProoflineError) => void;
      const committed = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      committed.catch(() => {}); // a caller that does not await still must not crash the process; those that do see the error
      this.#batch = { writes: 0, timer: setTimeout(() => this.#commitBatch(), this.#batchDelayMs), committed, resolve, reject };
    }
    const batch = this.#batch!;
    try {
      write();
    } catch (cause) {
      if (this.#db.isTransaction) throw cause;
      this.#batch = null;
      clearTimeout(batch.timer);
      const error = new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot write to the run journal ${this.path}: ${(cause as Error).message} (its uncommitted batch of ${batch.writes} writes was rolled back)`, { cause });
      batch.reject(error);
      throw error;
    }
    batch.writes += 1;
    if (batch.writes >= this.#batchWrites) this.#commitBatch();
    return batch.committed;
  }

  /** Commits the open batch, if any; returns the commit's failure (also delivered to its writers), else null. */
  #commitBatch(): ProoflineError | null {
    const batch = this.#batch;
    if (batch === null) return null;
    this.#batch = null;
    clearTimeout(batch.timer);
    try {
      this.#db.exec('COMMIT');
    } catch (cause) {
      try {
        this.#db.exec('ROLLBACK');
      } catch {
        // already rolled back by SQLite
      }
      const error = new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot commit to the run journal ${this.path}: ${(cause as Error).message}`, { cause });
      batch.reject(error);
      return error;
    }
    batch.resolve();
    return null;
  }

  /** The journaled candidates of one problem, by sample index (completions and outcomes parsed). */
  candidatesOf(problemSeq: number): Map<number, { completion: unknown; outcome: CheckOutcomeRow | null }> {
    const rows = this.#statement('SELECT c.sample_index, c.completion, o.outcome FROM candidates c LEFT JOIN outcomes o USING (problem_seq, sample_index) WHERE c.problem_seq = ? ORDER BY c.sample_index').all(problemSeq) as {
      sample_index: number; completion: string; outcome: string | null;
    }[];
    return new Map(rows.map((row) => [row.sample_index, { completion: JSON.parse(row.completion) as unknown, outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as CheckOutcomeRow) }]));
  }

  /**
   * What a resumed run has of one problem, by sample index: `done` (a verdict is journaled: neither
   * its completion nor its verdict is read), or a completion still to check (no outcome, or an
   * infrastructure error, which is never final). Sample indexes without an entry are to sample.
   */
  resumeStateOf(problemSeq: number): Map<number, ResumeState> {
    const rows = this.#statement("SELECT c.sample_index, CASE WHEN o.kind = 'verdict' THEN NULL ELSE c.completion END AS completion FROM candidates c LEFT JOIN outcomes o USING (problem_seq, sample_index) WHERE c.problem_seq = ?").all(problemSeq) as {
      sample_index: number; completion: string | null;
    }[];
    return new Map(rows.map((row) => [row.sample_index, row.completion === null ? { done: true } : { done: false, completion: JSON.parse(row.completion) as unknown }]));
  }

  /** Counts by outcome kind (`verdict`, `error`, `pending` = sampled, not yet checked). */
  counts(): { candidates: number; verdict: number; error: number; pending: number } {
    const rows = this.#statement("SELECT COALESCE(o.kind, 'pending') AS kind, COUNT(*) AS n FROM candidates c LEFT JOIN outcomes o USING (problem_seq, sample_index) GROUP BY 1").all() as { kind: string; n: number }[];
    const byKind = Object.fromEntries(rows.map((row) => [row.kind, row.n]));
    const verdict = byKind.verdict ?? 0;
    const error = byKind.error ?? 0;
    const pending = byKind.pending ?? 0;
    return { candidates: verdict + error + pending, verdict, error, pending };
  }

  /** Commits the open batch (a failed commit throws) and closes the journal. */
  close(): void {
    let failure: ProoflineError | null;
    try {
      failure = this.#commitBatch();
    } finally {
      this.#db.close();
      this.#lock?.close();
    }
    if (failure !== null) throw failure;
  }
}

/** WAL pages between checkpoints (SQLite's default is 1,000): fewer, larger checkpoints (~32 MiB of WAL). */
const WAL_CHECKPOINT_PAGES = 8192;

/**
 * Journal format 2 keeps outcomes in their own table. A journal of an earlier format (an
 * interrupted run resumed by this version) has them in `candidates`: they move over once, so its
 * verdicts stay final and none is checked again.
 */
function upgradeJournal(db: DatabaseSync): void {
  const format = db.prepare("SELECT value FROM meta WHERE key = 'journal_format'").get() as { value: string } | undefined;
  if (format !== undefined) return;
  db.exec(`
    BEGIN;
    INSERT OR IGNORE INTO outcomes (problem_seq, sample_index, kind, outcome)
      SELECT problem_seq, sample_index, outcome_kind, outcome FROM candidates WHERE outcome IS NOT NULL;
    UPDATE candidates SET outcome = NULL, outcome_kind = NULL WHERE outcome IS NOT NULL;
    INSERT INTO meta (key, value) VALUES ('journal_format', '2');
    COMMIT;
  `);
}

/**
 * One process per run: an exclusive SQLite lock on `<journal>.lock`, held until close. A second
 * `proofline build` of the same run (an overlapping cron) fails at once instead of sampling and
 * checking everything a second time. The OS drops the lock when its process dies, kill -9
 * included, so a rerun after a crash is never locked out.
 */
function lockRun(journalPath: string): DatabaseSync {
  const lockPath = `${journalPath}.lock`;
  let lock: DatabaseSync;
  try {
    lock = new DatabaseSync(lockPath);
  } catch (cause) {
    throw new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot open the run lock ${lockPath}: ${(cause as Error).message}`, { cause });
  }
  try {
    lock.exec('PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;');
  } catch (cause) {
    lock.close();
    throw new ProoflineError('RUN_LOCKED', `Another process is building this run (${lockPath} is locked: ${(cause as Error).message}); wait for it to end, or pass another --run-id`, { cause, details: { lock: lockPath } });
  }
  return lock;
}
