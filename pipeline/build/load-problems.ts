import { createHash } from 'node:crypto';
import { describeIssue } from '../config.ts';
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
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      invalid.push({ line, problem: `expected a JSON object, got invalid JSON (${(error as Error).message})` });
      continue;
    }
    const parsed = ProblemSchema.safeParse(json, { reportInput: true });
    if (!parsed.success) {
      invalid.push({ line, problem: parsed.error.issues.map((issue) => describeIssue(issue)).join('; ') });
      continue;
    }
    const first = firstLineOf.get(parsed.data.id);
    if (first !== undefined) {
      invalid.push({ line, problem: `duplicate problem id \`${parsed.data.id}\` (first on line ${first}); ids key the samples and records` });
      continue;
    }
    firstLineOf.set(parsed.data.id, line);
    valid += 1;
    onValid({ id: parsed.data.id, line, json: JSON.stringify(parsed.data) });
  }
  return { valid, invalid, sha256: hash.digest('hex') };
}
