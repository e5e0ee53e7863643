import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, truncate } from 'node:fs/promises';

/**
 * An append-only JSONL output that survives `kill -9`: on open, ids already written with a final
 * `kind` are reported done (a rerun skips them), a torn last line is cut off, and lines of kind
 * `error` are not "done", so that a rerun retries them.
 */
export async function openResumableOutput(path: string): Promise<{ doneIds: Set<string>; stream: WriteStream }> {
  const doneIds = new Set<string>();
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1); // A line without its newline was torn by a crash.
  let keptBytes = 0;
  for (const line of complete.split('\n').slice(0, -1)) {
    try {
      const record = JSON.parse(line) as { id?: unknown; kind?: unknown };
      if (typeof record.id === 'string' && record.kind !== 'error') doneIds.add(record.id);
    } catch {
      break;
    }
    keptBytes += Buffer.byteLength(line) + 1;
  }
  if (keptBytes < Buffer.byteLength(text)) await truncate(path, keptBytes);
  return { doneIds, stream: createWriteStream(path, { flags: 'a' }) };
}
