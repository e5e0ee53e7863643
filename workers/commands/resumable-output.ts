import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';

export interface ResumableOutput {
  /** Ids whose line is final and was produced under the expected resume key: a resumed run skips them. */
  doneIds: Set<string>;
  /** Lines dropped because their resume key differed from (or lacked) the expected one: they are redone. */
  staleIds: Set<string>;
  stream: WriteStream;
  /** The first write error, if any (checked when the run closes the stream). */
  writeError: () => Error | null;
}

/**
 * An append-only JSONL output that survives `kill -9`. On open it keeps, for each id of this run
 * (`expectedKeys`), only a line with a final kind AND the `resume_key` this run would write: that id
 * is reported done and skipped. Every other line of such an id is removed — `error` lines, lines
 * written under another policy, budget, toolchain, L3 setting or input (another `resume_key`), lines
 * from versions that wrote no key — so the rerun redoes it and leaves exactly one line per id.
 * Lines of ids not in this run are kept (one per id, the last). A torn last line is cut off.
 * The file is rewritten through a temp file and a rename, so a crash at any moment loses nothing
 * but redoable work, and a rerun still yields one line per id.
 */
export async function openResumableOutput(path: string, doneKinds: readonly string[], expectedKeys: ReadonlyMap<string, string>): Promise<ResumableOutput> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1); // A line without its newline was torn by a crash.
  const doneIds = new Set<string>();
  const staleIds = new Set<string>();
  /** id → the one line kept for it; Map order is first-seen order, so surviving lines keep their order. */
  const kept = new Map<string, string>();
  for (const line of complete.split('\n').slice(0, -1)) {
    let record: { id?: unknown; kind?: unknown; resume_key?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      break; // Only the last line can be torn; anything after an unparseable line is not ours to keep.
    }
    if (typeof record.id !== 'string' || typeof record.kind !== 'string' || !doneKinds.includes(record.kind)) continue;
    const expected = expectedKeys.get(record.id);
    if (expected === undefined) {
      kept.delete(record.id); // Not part of this run: keep its last line only.
      kept.set(record.id, line);
    } else if (!doneIds.has(record.id)) {
      if (record.resume_key === expected) {
        doneIds.add(record.id);
        staleIds.delete(record.id);
        kept.set(record.id, line);
      } else {
        staleIds.add(record.id);
      }
    }
  }
  const rewritten = [...kept.values()].map((line) => `${line}\n`).join('');
  if (rewritten !== text) {
    await writeFile(`${path}.tmp`, rewritten);
    await rename(`${path}.tmp`, path);
  }
  let writeError: Error | null = null;
  const stream = createWriteStream(path, { flags: 'a' });
  stream.on('error', (error) => {
    writeError ??= error;
  });
  return { doneIds, staleIds, stream, writeError: () => writeError };
}
