import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';

export interface ResumableOutput {
  /** Ids whose line has a final kind: a resumed run skips them. */
  doneIds: Set<string>;
  stream: WriteStream;
  /** The first write error, if any (checked when the run closes the stream). */
  writeError: () => Error | null;
}

/**
 * An append-only JSONL output that survives `kill -9`: on open, ids already written with a final
 * kind are reported done (a rerun skips them); a torn last line is cut off, and lines of any other
 * kind (`error`) are removed, so that a rerun redoes them without leaving a duplicate id behind.
 * The file is rewritten through a temp file and a rename, so a crash here loses nothing either.
 */
export async function openResumableOutput(path: string, doneKinds: readonly string[]): Promise<ResumableOutput> {
  const doneIds = new Set<string>();
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1); // A line without its newline was torn by a crash.
  const kept: string[] = [];
  for (const line of complete.split('\n').slice(0, -1)) {
    let record: { id?: unknown; kind?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      break; // Only the last line can be torn; anything after an unparseable line is not ours to keep.
    }
    if (typeof record.id === 'string' && typeof record.kind === 'string' && doneKinds.includes(record.kind)) {
      doneIds.add(record.id);
      kept.push(line);
    }
  }
  const rewritten = kept.map((line) => `${line}\n`).join('');
  if (rewritten !== text) {
    await writeFile(`${path}.tmp`, rewritten);
    await rename(`${path}.tmp`, path);
  }
  let writeError: Error | null = null;
  const stream = createWriteStream(path, { flags: 'a' });
  stream.on('error', (error) => {
    writeError ??= error;
  });
  return { doneIds, stream, writeError: () => writeError };
}
