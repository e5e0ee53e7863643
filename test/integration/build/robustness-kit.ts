import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';
import { S3RVER_CREDENTIALS } from '../../helpers/s3rver-server.ts';
import { decodeJsonlGz } from '../../../pipeline/exports/jsonl-gz.ts';
import { createSink, type CreateSinkOptions } from '../../../pipeline/sinks/create-sink.ts';
import { CanonicalRecordSchema } from '../../../pipeline/schemas/canonical-record.ts';
import { RewardRecordSchema } from '../../../pipeline/schemas/reward-record.ts';

/**
 * Shared by the build robustness tests (crash, S3, infrastructure failures): a golden-case problem
 * set, build configs written as JSON (valid YAML), the real `bin/proofline.js build` as a
 * subprocess that a test can SIGKILL, and readers for what a run committed (through the Sink
 * contract, so a directory and an S3 prefix are read alike).
 */

export { RECORDED_LEAN_HOME, REPO_ROOT };
export const CLI = join(REPO_ROOT, 'bin', 'proofline.js');
export const PROMPT = join(REPO_ROOT, 'datasets', 'prompts', 'lean4-proof-v1.yaml');

export interface ProblemSet {
  dir: string;
  problemsFile: string;
  /** Replay completions (the k-th row of a problem id is sample k). */
  completionsFile: string;
  problems: { id: string; header: string; formal_statement: string }[];
  /** `<problem_id>#<k>` → the completion text of sample k. */
  completions: Map<string, string>;
  /** `<problem_id>#<k>` → the golden verdict (without faults). */
  expected: Map<string, { kind: string; reason: string | null; layer: string | null }>;
  n: number;
}

/**
 * Golden cases (strict policy, no fault directives) grouped by problem; problems with a distinct
 * (header, statement) only, so a prompt names exactly one problem. Sample k of a problem is its
 * k-th case (cycling).
 */
export async function writeProblemSet(options: { n: number; maxProblems?: number; pick?: (id: string) => boolean }): Promise<ProblemSet> {
  const byProblem = new Map<string, { header: string; formal_statement: string; cases: ReturnType<typeof loadCheckerCases> }>();
  const statements = new Set<string>();
  for (const c of loadCheckerCases()) {
    if (c.policy !== 'strict' || c.input.completion.includes('recorded-lean:')) continue;
    if (options.pick !== undefined && !options.pick(c.input.id)) continue;
    let entry = byProblem.get(c.input.id);
    if (entry === undefined) {
      const statementKey = `${c.input.header}\u0000${c.input.formal_statement}`;
      if (statements.has(statementKey)) continue;
      statements.add(statementKey);
      entry = { header: c.input.header, formal_statement: c.input.formal_statement, cases: [] };
      byProblem.set(c.input.id, entry);
    }
    if (entry.header !== c.input.header || entry.formal_statement !== c.input.formal_statement) continue;
    entry.cases.push(c);
  }
  const dir = await mkdtemp(join(tmpdir(), 'proofline-build-robust-'));
  const problems: ProblemSet['problems'] = [];
  const completionRows: string[] = [];
  const completions = new Map<string, string>();
  const expected: ProblemSet['expected'] = new Map();
  // Interleave problems whose first case is accepted with the others, so a small set has both.
  const all = [...byProblem];
  const accepting = all.filter(([, e]) => e.cases[0]!.expected.kind === 'accepted');
  const others = all.filter(([, e]) => e.cases[0]!.expected.kind !== 'accepted');
  const mixed = Array.from({ length: Math.max(accepting.length, others.length) }, (_, i) => [accepting[i], others[i]]).flat().filter((e) => e !== undefined);
  for (const [id, entry] of mixed.slice(0, options.maxProblems ?? Number.POSITIVE_INFINITY)) {
    problems.push({ id, header: entry.header, formal_statement: entry.formal_statement });
    for (let k = 0; k < options.n; k += 1) {
      const c = entry.cases[k % entry.cases.length]!;
      completionRows.push(JSON.stringify({ problem_id: id, text: c.input.completion }));
      completions.set(`${id}#${k}`, c.input.completion);
      expected.set(`${id}#${k}`, { kind: c.expected.kind, reason: c.expected.reason, layer: (c.expected as { layer?: string | null }).layer ?? null });
    }
  }
  const problemsFile = join(dir, 'problems.jsonl');
  const completionsFile = join(dir, 'completions.jsonl');
  await writeFile(problemsFile, `${problems.map((p) => JSON.stringify({ ...p, source: 'proofline-tests' })).join('\n')}\n`);
  await writeFile(completionsFile, `${completionRows.join('\n')}\n`);
  return { dir, problemsFile, completionsFile, problems, completions, expected, n: options.n };
}

/** A build config (JSON is YAML): the replay sampler and the recorded-Lean double unless overridden. */
export async function writeBuildConfig(
  set: ProblemSet,
  name: string,
  options: { output?: string; problems?: string; stateDir?: string; sampler?: Record<string, unknown>; lean?: Record<string, unknown>; build?: Record<string, unknown>; s3?: Record<string, unknown> } = {},
): Promise<string> {
  const config = {
    build: {
      name: 'robust',
      problems: options.problems ?? set.problemsFile,
      output: options.output ?? join(set.dir, 'out'),
      state_dir: options.stateDir ?? join(set.dir, 'state'),
      records_per_part: 5,
      ...options.build,
    },
    sampler: {
      kind: 'replay',
      n: set.n,
      prompt: PROMPT,
      cache: { enabled: true, dir: join(set.dir, 'sample-cache') },
      replay: { sources: [{ path: set.completionsFile }] },
      ...options.sampler,
    },
    lean: {
      home: RECORDED_LEAN_HOME,
      timeout_ms: 8000,
      header_timeout_ms: 20000,
      memory_limit_mb: 512,
      max_attempts: 2,
      pool: { size: 2, warm_spares: 0 },
      ...options.lean,
    },
    ...(options.s3 === undefined ? {} : { s3: options.s3 }),
  };
  const file = join(set.dir, `${name}.yaml`);
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

export interface BuildProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits (code null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

/** `proofline build ARGS` as a user runs it (`node bin/proofline.js`), its own process to SIGKILL. */
export function spawnBuild(args: string[], env: Record<string, string> = {}): BuildProcess {
  const child = spawn(process.execPath, [CLI, 'build', ...args], {
    env: { ...process.env, PROOFLINE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs a build to its end; SIGKILLs it and throws if it takes longer than `timeoutMs`. */
export async function runBuildToEnd(args: string[], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const build = spawnBuild(args, env);
  const timer = setTimeout(() => build.child.kill('SIGKILL'), timeoutMs);
  try {
    const result = await build.exited;
    if (result.signal !== null) throw new Error(`Expected the build to exit within ${timeoutMs} ms, got killed (${result.signal}); stderr: ${result.stderr.slice(-2000)}`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` every `intervalMs` until it returns a value that is not undefined; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, options: { timeoutMs?: number; intervalMs?: number; alive?: BuildProcess } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const child = options.alive?.child;
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`Expected ${what} while the build runs, but it exited (${child.exitCode ?? child.signalCode}); stderr: ${options.alive!.stderr().slice(-2000)}`);
    }
    if (Date.now() > deadline) throw new Error(`Expected ${what} within ${options.timeoutMs ?? 120_000} ms, got nothing`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** What the journal holds right now (read-only; the build may be writing: WAL allows it). */
export function journalCounts(path: string): { candidates: number; verdict: number; error: number; pending: number } | null {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch {
    return null;
  }
  try {
    db.exec('PRAGMA busy_timeout = 2000');
    const rows = db.prepare("SELECT COALESCE(o.kind, 'pending') AS kind, COUNT(*) AS n FROM candidates c LEFT JOIN outcomes o USING (problem_seq, sample_index) GROUP BY 1").all() as { kind: string; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.kind, r.n])) as Record<string, number>;
    const verdict = by.verdict ?? 0;
    const error = by.error ?? 0;
    const pending = by.pending ?? 0;
    return { candidates: verdict + error + pending, verdict, error, pending };
  } catch {
    return null; // not created yet (tables appear with the first open)
  } finally {
    db.close();
  }
}

export interface Manifest {
  status: string;
  run_id: string;
  counts: Record<string, number>;
  parts: { key: string; bytes: number; sha256: string; rows: number; export: string }[];
  files: { key: string; bytes: number; sha256: string }[];
}

export interface CommittedRun {
  manifest: Manifest;
  /** Every object of the run (keys relative to runs/<id>/) with its bytes. */
  objects: Map<string, Uint8Array>;
  records: ReturnType<typeof CanonicalRecordSchema.parse>[];
  rewards: ReturnType<typeof RewardRecordSchema.parse>[];
  latest: { run_id: string; manifest: string; manifest_sha256: string } | null;
}

/** Reads a committed run through the Sink contract (directory or s3://), or null without a manifest. */
export async function readCommittedRun(uri: string, runId: string, options: CreateSinkOptions = {}): Promise<CommittedRun | null> {
  const sink = createSink(uri, options);
  try {
    const manifestBytes = await sink.get(`runs/${runId}/manifest.json`);
    if (manifestBytes === null) return null;
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Manifest;
    const objects = new Map<string, Uint8Array>();
    for (const key of await sink.list(`runs/${runId}/`)) objects.set(key.slice(`runs/${runId}/`.length), (await sink.get(key))!);
    const decode = (exportName: string) => manifest.parts.filter((p) => p.export === exportName).flatMap((p) => decodeJsonlGz(Buffer.from(objects.get(p.key)!)));
    const latestBytes = await sink.get('latest.json');
    return {
      manifest,
      objects,
      records: decode('records').map((r) => CanonicalRecordSchema.parse(r)),
      rewards: decode('rewards').map((r) => RewardRecordSchema.parse(r)),
      latest: latestBytes === null ? null : (JSON.parse(Buffer.from(latestBytes).toString('utf8')) as CommittedRun['latest']),
    };
  } finally {
    await sink.close();
  }
}

/** What must not depend on how a run got there: ids, outcomes, completion texts, rewards (sorted by id). */
export function recordSet(run: CommittedRun): { records: unknown[]; rewards: unknown[] } {
  const byId = <T extends { id: string }>(rows: T[]): T[] => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    records: byId(run.records).map((r) => ({
      id: r.id,
      kind: r.verdict?.kind ?? null,
      reason: r.verdict?.reason ?? null,
      layer: r.verdict?.layer ?? null,
      error: r.error?.code ?? null,
      text: r.completion.text,
      proof_hash: r.hashes.proof,
      split: r.split,
    })),
    rewards: byId(run.rewards).map((r) => ({ id: r.id, status: r.status, reward: r.reward, completion_hash: r.completion_hash, verdict: r.verdict, error: r.error?.code ?? null })),
  };
}

/** The last `build_summary` line on stdout. */
export function buildSummary(stdout: string): Record<string, unknown> | null {
  const line = stdout.split('\n').filter((l) => l.includes('"build_summary"')).at(-1);
  return line === undefined ? null : (JSON.parse(line) as Record<string, unknown>);
}

/** Credentials reach the build only through the SDK's default chain: the environment. */
export const S3_ENV = {
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_PROFILE: '',
};

/** Live (non-zombie) descendants of `pid`, from /proc (Linux). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    const stat = processStat(Number(entry));
    if (stat !== null && stat.state !== 'Z') parentOf.set(Number(entry), stat.ppid);
  }
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [child, ppid] of parentOf) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** State and parent of a process, or null when it is gone. */
export function processStat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}
