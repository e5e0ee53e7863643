import { createHash } from 'node:crypto';
import { parseJsonLine } from '../schemas/parse-json-line.ts';
import { ProblemSchema } from '../schemas/problem.ts';

export interface InvalidProblemLine {
  line: number;
  problem: string;
}

export interface ValidatedProblems {
  valid: number;
  invalid: InvalidProblemLine[];
  /** sha256 over the lines read (each + `\n`): recorded with the run, and a rerun must see the same set. */
  sha256: string;
}

/**
 * Reads the lines of a problems JSONL file (pipeline/sinks/read-object-lines.ts: local, gz or S3) and validates each line as `check` does: a bad line
 * (not JSON, not a Problem, a repeated id) is reported with its number and what was expected;
 * blank lines are skipped. Nothing is dropped silently: the caller either stops on `invalid` or
 * reports and counts it (`--skip-invalid`). Valid problems are handed to `onValid` as they are read
 * (memory stays flat in the number of problems; only the ids are kept, to find duplicates).
 */
export async function validateProblems(lines: AsyncIterable<string>, onValid: (problem: { id: string; line: number; json: string }) => void): Promise<ValidatedProblems> {
  const hash = createHash('sha256');
  let valid = 0;
  const invalid: InvalidProblemLine[] = [];
  const firstLineOf = new Map<string, number>();
  let line = 0;
  for await (const raw of lines) {
    hash.update(`${raw}\n`);
    line += 1;
    if (raw.trim() === '') continue;
    const parsed = parseJsonLine(raw, ProblemSchema);
    if (!parsed.ok) {
      invalid.push({ line, problem: parsed.problem });
      continue;
    }
    const first = firstLineOf.get(parsed.value.id);
    if (first !== undefined) {
      invalid.push({ line, problem: `duplicate problem id \`${parsed.value.id}\` (first on line ${first}); ids key the samples and records` });
      continue;
    }
    firstLineOf.set(parsed.value.id, line);
    valid += 1;
    onValid({ id: parsed.value.id, line, json: JSON.stringify(parsed.value) });
  }
  return { valid, invalid, sha256: hash.digest('hex') };
}
