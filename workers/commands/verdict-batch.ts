import { SingleBar, Presets } from 'cli-progress';
import type { WriteStream } from 'node:fs';
import { isProoflineError, ProoflineError } from '../../pipeline/errors.ts';
import { CheckInputSchema, type CheckInput } from '../../pipeline/schemas/problem.ts';
import type { CommandContext } from '../command-context.ts';
import { readJsonlInput } from './jsonl-input.ts';
import { openResumableOutput } from './resumable-output.ts';

/** The fields of a verdict line that `check` and `lint` both write. */
export interface VerdictLine {
  kind: 'accepted' | 'rejected' | 'unchecked';
  reason: string | null;
  layer: string;
  detail: string;
  axioms: string[] | null;
  messages: unknown[];
  elapsed_ms: number;
  cached: boolean;
  [extra: string]: unknown;
}

export interface BatchOptions {
  context: CommandContext;
  inputPath: string;
  outPath: string | null;
  skipInvalid: boolean;
  /** Candidates in flight at once (outputs are still written in input order). */
  concurrency: number;
  judge: (input: CheckInput) => Promise<VerdictLine>;
  /** Kinds that are final for this command (a resumed run skips them); other lines are redone. */
  doneKinds: readonly string[];
  /**
   * The `resume_key` written with each line (see resume-key.ts): a resumed run skips an id only
   * when its line has a final kind and this key; a line with another key (or none) is redone.
   */
  resumeKey: (input: CheckInput) => string;
}

export interface BatchSummary {
  total: number;
  skippedDone: number;
  /** Lines of this run's ids found in --out with another resume key (or none), redone. */
  redoneStale: number;
  invalid: number;
  byKind: Record<string, number>;
  byReason: Record<string, number>;
  errorsByCode: Record<string, number>;
  elapsedMs: number;
}

/**
 * Runs a judge over a JSONL file of candidates: validates every line first (a bad line stops the
 * run with its line number unless --skip-invalid), resumes an existing --out, writes one line per
 * input in input order, shows progress, and returns a summary. An infrastructure failure becomes a
 * line with `kind: "error"` and its code — never a rejection — and a non-zero exit.
 */
export async function runVerdictBatch(options: BatchOptions): Promise<{ summary: BatchSummary; exitCode: number }> {
  const { context } = options;
  const started = performance.now();
  const { valid, invalid } = await readJsonlInput(options.inputPath, CheckInputSchema);
  for (const line of invalid.slice(0, 20)) context.stderr.write(`${options.inputPath}:${line.lineNumber}: ${line.problem}\n`);
  if (invalid.length > 20) context.stderr.write(`… and ${invalid.length - 20} more invalid line(s)\n`);
  const summary: BatchSummary = { total: valid.length, skippedDone: 0, redoneStale: 0, invalid: invalid.length, byKind: {}, byReason: {}, errorsByCode: {}, elapsedMs: 0 };
  if (invalid.length > 0 && !options.skipInvalid) {
    context.stderr.write(`${invalid.length} invalid input line(s); nothing was checked. Fix them or pass --skip-invalid to report and skip them.\n`);
    return { summary, exitCode: 2 };
  }
  const keys = new Map(valid.map((line) => [line.value.id, options.resumeKey(line.value)]));
  const output = options.outPath === null ? null : await openResumableOutput(options.outPath, options.doneKinds, keys);
  const todo = valid.filter((line) => !(output?.doneIds.has(line.value.id) ?? false));
  summary.skippedDone = valid.length - todo.length;
  summary.redoneStale = output?.staleIds.size ?? 0;
  const sink = batchedWriter(output?.stream ?? context.stdout);
  const progress = startProgress(context, todo.length);

  const results = new Map<number, string>();
  let nextToWrite = 0;
  let nextToStart = 0;
  const worker = async (): Promise<void> => {
    while (nextToStart < todo.length && !context.signal.aborted) {
      const index = nextToStart++;
      const input = todo[index]!.value;
      let line: Record<string, unknown>;
      try {
        const verdict = await options.judge(input);
        line = { id: input.id, ...verdict, resume_key: keys.get(input.id) };
        count(summary.byKind, verdict.kind);
        if (verdict.reason !== null) count(summary.byReason, verdict.reason);
      } catch (caught) {
        const error = isProoflineError(caught) ? caught : new ProoflineError('CHECKER_INTERNAL', (caught as Error)?.message ?? String(caught), { cause: caught });
        line = { id: input.id, kind: 'error', error: error.toJSON(), resume_key: keys.get(input.id) };
        count(summary.byKind, 'error');
        count(summary.errorsByCode, error.code);
      }
      results.set(index, `${JSON.stringify(line)}\n`);
      while (results.has(nextToWrite)) {
        sink.write(results.get(nextToWrite)!);
        results.delete(nextToWrite);
        nextToWrite += 1;
      }
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  sink.flush();
  progress.stop();
  if (output !== null) await closeStream(output.stream);
  if (output?.writeError()) throw new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot write ${options.outPath}: ${output.writeError()!.message}`, { cause: output.writeError() });
  summary.elapsedMs = Math.round(performance.now() - started);
  const hasErrors = (summary.byKind.error ?? 0) > 0;
  return { summary, exitCode: hasErrors || context.signal.aborted ? 1 : 0 };
}

export function formatSummary(summary: BatchSummary): string {
  const rows: [string, string][] = [
    ['candidates', String(summary.total)],
    ['already done (resumed)', String(summary.skippedDone)],
    ['redone (settings or input changed)', String(summary.redoneStale)],
    ['invalid lines skipped', String(summary.invalid)],
    ...Object.entries(summary.byKind).sort().map(([k, v]): [string, string] => [`kind: ${k}`, String(v)]),
    ...Object.entries(summary.byReason).sort().map(([k, v]): [string, string] => [`  reason: ${k}`, String(v)]),
    ...Object.entries(summary.errorsByCode).sort().map(([k, v]): [string, string] => [`  error: ${k}`, String(v)]),
    ['elapsed', `${(summary.elapsedMs / 1000).toFixed(2)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/**
 * Lines go out in batches — one write per FLUSH_MS or FLUSH_BYTES, not one per line (a write
 * syscall per verdict cost more than the rest of writing it). Still in input order; a kill -9
 * loses at most the last FLUSH_MS of lines, which a resumed run redoes like any unfinished id.
 */
const FLUSH_MS = 50;
const FLUSH_BYTES = 64 * 1024;

function batchedWriter(sink: NodeJS.WritableStream): { write: (text: string) => void; flush: () => void } {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending === '') return;
    sink.write(pending);
    pending = '';
  };
  return {
    write: (text) => {
      pending += text;
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
  };
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

function startProgress(context: CommandContext, total: number): { tick: () => void; stop: () => void } {
  if (context.stderr.isTTY === true) {
    const bar = new SingleBar({ stream: context.stderr as NodeJS.WriteStream, format: '{bar} {value}/{total} candidates | {eta_formatted} left' }, Presets.shades_classic);
    bar.start(total, 0);
    return { tick: () => bar.increment(), stop: () => bar.stop() };
  }
  let done = 0;
  let lastReport = performance.now();
  return {
    tick: () => {
      done += 1;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        context.stderr.write(`${JSON.stringify({ progress: { done, total } })}\n`);
      }
    },
    stop: () => undefined,
  };
}

/** Ends the stream; a write error is reported through the output's `writeError`, not thrown here. */
function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}
