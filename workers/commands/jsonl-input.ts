import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ProoflineError } from '../../pipeline/errors.ts';
import { parseJsonLine } from '../../pipeline/schemas/parse-json-line.ts';

export interface InputLine<T> {
  lineNumber: number;
  value: T;
}

export interface InvalidLine {
  lineNumber: number;
  problem: string;
}

/**
 * Reads a JSONL file and validates every line: each bad line is reported with its number and
 * what was expected; blank lines are skipped; duplicate ids are bad lines (outputs are keyed by id).
 */
export async function readJsonlInput<T extends { id: string }>(path: string, schema: z.ZodType<T>): Promise<{ valid: InputLine<T>[]; invalid: InvalidLine[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ProoflineError('INPUT_INVALID', `Cannot read input file ${path}: ${(cause as Error).message}`, { cause });
  }
  const valid: InputLine<T>[] = [];
  const invalid: InvalidLine[] = [];
  const firstLineOfId = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const lineNumber = index + 1;
    if (raw.trim() === '') return;
    const parsed = parseJsonLine(raw, schema);
    if (!parsed.ok) {
      invalid.push({ lineNumber, problem: parsed.problem });
      return;
    }
    const first = firstLineOfId.get(parsed.value.id);
    if (first !== undefined) {
      invalid.push({ lineNumber, problem: `duplicate id \`${parsed.value.id}\` (first on line ${first})` });
      return;
    }
    firstLineOfId.set(parsed.value.id, lineNumber);
    valid.push({ lineNumber, value: parsed.value });
  });
  return { valid, invalid };
}
