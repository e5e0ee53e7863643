import { open, readFile, truncate } from 'node:fs/promises';
import { ProoflineError } from '../errors.ts';
import type { CompletionRecord } from '../schemas/completion.ts';

export interface CompletionOutput {
  /** Whether --out already holds this (problem, sample) pair. */
  has(problemId: string, sampleIndex: number): boolean;
  readonly existingCount: number;
  /** Bytes of a half-written last line removed on open (a crash mid-write), 0 normally. */
  readonly truncatedBytes: number;
  /** Appends one line with a single write, so lines never interleave. */
  write(record: CompletionRecord): Promise<void>;
  close(): Promise<void>;
}

const keyOf = (problemId: string, sampleIndex: number): string => `${sampleIndex}\u0000${problemId}`;

/**
 * Opens --out for appending and indexes what is already there, so a rerun of the same command
 * appends nothing twice. A last line without its newline (the process died mid-write) is cut off;
 * any other unreadable line is an error naming it, since appending to a corrupt file hides data.
 */
export async function openCompletionOutput(path: string): Promise<CompletionOutput> {
  const done = new Set<string>();
  let truncatedBytes = 0;
  let existing = '';
  try {
    existing = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(path, 'read', error);
  }
  if (existing !== '' && !existing.endsWith('\n')) {
    const keep = existing.lastIndexOf('\n') + 1;
    truncatedBytes = Buffer.byteLength(existing.slice(keep));
    await truncate(path, Buffer.byteLength(existing.slice(0, keep)));
    existing = existing.slice(0, keep);
  }
  for (const [index, line] of existing.split('\n').entries()) {
    if (line.trim() === '') continue;
    const key = parseKey(line);
    if (key === null) {
      throw new ProoflineError('INPUT_INVALID', `${path}:${index + 1}: expected a completion record with problem_id and sample_index; refusing to append to a file with unreadable lines`, { details: { path, line: index + 1 } });
    }
    done.add(key);
  }
  const handle = await open(path, 'a').catch((error: unknown) => {
    throw outputError(path, 'open', error);
  });
  return {
    has: (problemId, sampleIndex) => done.has(keyOf(problemId, sampleIndex)),
    existingCount: done.size,
    truncatedBytes,
    async write(record) {
      const key = keyOf(record.problem_id, record.sample_index);
      if (done.has(key)) return;
      done.add(key);
      await handle.write(`${JSON.stringify(record)}\n`).catch((error: unknown) => {
        throw outputError(path, 'write', error);
      });
    },
    close: () => handle.close(),
  };
}

function parseKey(line: string): string | null {
  try {
    const row = JSON.parse(line) as { problem_id?: unknown; sample_index?: unknown };
    if (typeof row.problem_id !== 'string' || !Number.isInteger(row.sample_index)) return null;
    return keyOf(row.problem_id, row.sample_index as number);
  } catch {
    return null;
  }
}

function outputError(path: string, operation: string, cause: unknown): ProoflineError {
  return new ProoflineError('OUTPUT_WRITE_FAILED', `Cannot ${operation} output file ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause, details: { path } });
}
