import { close, fstat, fstatSync, open, read, readSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ProoflineError } from '../errors.ts';
import { hashRequest } from './request-hash.ts';
import type { ReplaySamplerConfig, ReplaySource } from './sampler-config.ts';
import type { Completion, PreparedRequest, SampleInput, Sampler } from './sampler.ts';

const openFile = promisify(open);
const readAt = promisify(read);
const closeFile = promisify(close);
const statFile = promisify(fstat) as (fd: number) => Promise<Stats>;

/** Bytes read from a source at a time while indexing it. */
const INDEX_CHUNK = 1 << 20;

/**
 * Per recorded row, what `prepare` needs and where `send` finds the text: five numbers, so the
 * index stays a few MB for 100,000 rows (the texts stay on disk until sampled).
 */
const SOURCE = 0;
const OFFSET = 1;
const LENGTH = 2;
const LINE = 3;
const MODEL = 4;
const FIELDS = 5;

/**
 * Recorded completions (e.g. datasets/attempts/) served as if a model answered: sample k of a
 * problem is the k-th row with that `problem_id`, over the sources in config order. No prompt is
 * sent, nothing is paid, nothing is cached; a missing (problem, k) is REPLAY_MISSING.
 *
 * Every row is validated when the sampler loads, but only an index is kept in memory (source,
 * byte offset and length, line, model); `send` reads its row back from the file. Memory is then a
 * few dozen bytes per recorded row, not the recorded texts. The sources must not change while the
 * sampler is open: each read checks that the file's size and mtime are those seen at load and that
 * the row read back has the indexed `problem_id` and model, and a changed source is REPLAY_MISSING
 * naming the file and line (fatal to a local build) — never another problem's text.
 */
export async function loadReplaySampler(config: ReplaySamplerConfig, options: { cwd: string }): Promise<Sampler> {
  if (config.sources.length === 0) {
    throw new ProoflineError('CONFIG_INVALID', '`sampler.replay.sources` is empty; expected at least one JSONL file of recorded completions');
  }
  const byProblem = new Map<string, number[]>();
  const models: string[] = [];
  const modelIndex = new Map<string, number>();
  const files: number[] = [];
  const seen: { size: number; mtimeMs: number }[] = [];
  const closeAll = async (): Promise<void> => void (await Promise.all(files.splice(0).map((fd) => closeFile(fd))));
  try {
    for (const [sourceIndex, source] of config.sources.entries()) {
      const fd = await openSource(source, options.cwd);
      files.push(fd);
      for await (const row of indexSource(fd, source)) {
        let model = modelIndex.get(row.model);
        if (model === undefined) {
          model = models.push(row.model) - 1;
          modelIndex.set(row.model, model);
        }
        let entries = byProblem.get(row.problemId);
        if (entries === undefined) byProblem.set(row.problemId, (entries = []));
        entries.push(sourceIndex, row.offset, row.length, row.line, model);
      }
      const stats = await statFile(fd);
      seen.push({ size: stats.size, mtimeMs: stats.mtimeMs });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const entry = (problemId: string, sampleIndex: number): number[] | null => {
    const entries = byProblem.get(problemId);
    if (entries === undefined || (sampleIndex + 1) * FIELDS > entries.length) return null;
    return entries.slice(sampleIndex * FIELDS, (sampleIndex + 1) * FIELDS);
  };
  return {
    kind: 'replay',
    model: 'replay',
    isCacheable: false,
    prepare(input: SampleInput): PreparedRequest {
      const recorded = entry(input.problem.id, input.sampleIndex);
      const origin = recorded === null ? null : `${config.sources[recorded[SOURCE]!]!.path}:${recorded[LINE]}`;
      const body = { problem_id: input.problem.id, sample_index: input.sampleIndex, origin };
      return { problemId: input.problem.id, sampleIndex: input.sampleIndex, hash: hashRequest({ kind: 'replay', model: recorded === null ? 'replay' : models[recorded[MODEL]!]!, sampleIndex: input.sampleIndex, body }), seed: null, reservedTokens: 0, body };
    },
    async send(request: PreparedRequest): Promise<Completion> {
      const recorded = entry(request.problemId, request.sampleIndex);
      if (recorded === null) {
        const count = (byProblem.get(request.problemId)?.length ?? 0) / FIELDS;
        throw new ProoflineError('REPLAY_MISSING', `No recorded completion #${request.sampleIndex} for problem ${request.problemId}: the replay sources hold ${count} for it`, {
          details: { problemId: request.problemId, sampleIndex: request.sampleIndex, recorded: count },
        });
      }
      const source = config.sources[recorded[SOURCE]!]!;
      const fd = files[recorded[SOURCE]!];
      if (fd === undefined) throw new ProoflineError('REPLAY_MISSING', `No recorded completion #${request.sampleIndex} for problem ${request.problemId}: the replay sampler is closed`);
      const where = `${source.path}:${recorded[LINE]}`;
      const changed = (why: string): ProoflineError => new ProoflineError('REPLAY_MISSING', `${where}: the replay source changed since it was loaded (${why}); rerun to index it again`, {
        details: { file: source.path, line: recorded[LINE], problemId: request.problemId, sampleIndex: request.sampleIndex },
      });
      // Synchronous: one small row of a local file costs less than a thread-pool round trip (two per
      // sample, ~0.15 ms of main-thread time each on the build benchmark).
      const stats = fstatSync(fd);
      const atLoad = seen[recorded[SOURCE]!]!;
      if (stats.size !== atLoad.size || stats.mtimeMs !== atLoad.mtimeMs) {
        throw changed(`size ${atLoad.size} → ${stats.size} bytes, mtime ${new Date(atLoad.mtimeMs).toISOString()} → ${new Date(stats.mtimeMs).toISOString()}`);
      }
      const bytes = Buffer.allocUnsafe(recorded[LENGTH]!);
      const bytesRead = readSync(fd, bytes, 0, bytes.length, recorded[OFFSET]!);
      if (bytesRead !== bytes.length) throw changed(`the row ends after ${bytesRead} of ${bytes.length} bytes`);
      const row = recordedRow(bytes.toString('utf8'), source);
      if (row === null) throw changed('the row no longer parses as a recorded completion');
      if (row.problemId !== request.problemId) throw changed(`the row is for problem ${JSON.stringify(row.problemId)}, indexed for ${request.problemId}`);
      const model = models[recorded[MODEL]!]!;
      if (row.model !== model) throw changed(`the row's model is ${JSON.stringify(row.model)}, indexed as ${JSON.stringify(model)}`);
      const value = row.text;
      const text = source.lean_file ? `\`\`\`lean4\n${value.trimEnd()}\n\`\`\`` : value;
      return { text, reasoning: null, reasoningRedacted: false, stopReason: 'recorded', truncated: false, usage: { inputTokens: 0, outputTokens: 0 }, model: models[recorded[MODEL]!]!, latencyMs: 0 };
    },
    close: closeAll,
  };
}

async function openSource(source: ReplaySource, cwd: string): Promise<number> {
  try {
    return await openFile(resolve(cwd, source.path), 'r');
  } catch (cause) {
    throw new ProoflineError('CONFIG_INVALID', `Cannot read replay source ${source.path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause });
  }
}

/** A row that validated at load (its problem, model and text), or null when the line no longer parses as one. */
function recordedRow(line: string, source: ReplaySource): { problemId: unknown; model: string; text: string } | null {
  try {
    const row = JSON.parse(line) as Record<string, unknown>;
    const value = row[source.text_field];
    return typeof value === 'string' ? { problemId: row.problem_id, model: typeof row.model === 'string' ? row.model : 'replay', text: value } : null;
  } catch {
    return null;
  }
}

interface IndexedRow {
  problemId: string;
  model: string;
  offset: number;
  length: number;
  line: number;
}

/**
 * Validates every row of a source, reading it a chunk at a time, and yields where each row is.
 * Linear in the file: a newline is searched for only in the bytes just read, and the pieces of a
 * row that spans chunks are joined once, when its newline comes (a 64 MiB line is copied once,
 * not once per chunk).
 */
async function* indexSource(fd: number, source: ReplaySource): AsyncGenerator<IndexedRow> {
  const pending: Buffer[] = []; // the current row's bytes from earlier chunks (copies: `chunk` is reused)
  let pendingLength = 0;
  let rowOffset = 0; // file offset of the current row's first byte
  let position = 0; // file offset of chunk[0]
  let line = 0;
  const chunk = Buffer.allocUnsafe(INDEX_CHUNK);
  const rowAt = (bytes: Buffer): IndexedRow | null => {
    line += 1;
    const row = parseRow(bytes.toString('utf8'), source, line);
    return row === null ? null : { ...row, offset: rowOffset, length: bytes.length, line };
  };
  for (;;) {
    const { bytesRead } = await readAt(fd, chunk, 0, chunk.length, position);
    if (bytesRead === 0) {
      // A last row without a newline.
      if (pendingLength > 0) {
        const row = rowAt(Buffer.concat(pending, pendingLength));
        if (row !== null) yield row;
      }
      return;
    }
    const data = chunk.subarray(0, bytesRead);
    let start = 0;
    for (let newline = data.indexOf(10); newline >= 0; newline = data.indexOf(10, start)) {
      const bytes = pendingLength === 0 ? data.subarray(start, newline) : Buffer.concat([...pending, data.subarray(0, newline)], pendingLength + newline);
      pending.length = 0;
      pendingLength = 0;
      const row = rowAt(bytes);
      if (row !== null) yield row;
      start = newline + 1;
      rowOffset = position + start;
    }
    if (start < bytesRead) {
      pending.push(Buffer.from(data.subarray(start)));
      pendingLength += bytesRead - start;
    }
    position += bytesRead;
  }
}

function parseRow(text: string, source: ReplaySource, line: number): { problemId: string; model: string } | null {
  if (text.trim() === '') return null;
  const where = `${source.path}:${line}`;
  let row: Record<string, unknown>;
  try {
    row = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ProoflineError('INPUT_INVALID', `${where}: expected a JSON object per line (${(cause as Error).message})`, { cause });
  }
  const problemId = row.problem_id;
  const value = row[source.text_field];
  if (typeof problemId !== 'string' || problemId === '') throw new ProoflineError('INPUT_INVALID', `${where}: expected a string \`problem_id\`, got ${JSON.stringify(problemId)}`);
  if (typeof value !== 'string') throw new ProoflineError('INPUT_INVALID', `${where}: expected a string \`${source.text_field}\` (sampler.replay.sources[].text_field), got ${JSON.stringify(value ?? null)}`);
  return { problemId, model: typeof row.model === 'string' ? row.model : 'replay' };
}
