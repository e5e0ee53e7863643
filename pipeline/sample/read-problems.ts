import { readFile } from 'node:fs/promises';
import { ProoflineError } from '../errors.ts';
import { parseJsonLine } from '../schemas/parse-json-line.ts';
import { type Problem, ProblemSchema } from '../schemas/problem.ts';

export interface SkippedLine {
  line: number;
  message: string;
}

export interface ProblemLines {
  problems: Problem[];
  /** Invalid lines left out (only with `skipInvalid`). */
  skipped: SkippedLine[];
}

/**
 * Reads a problems JSONL file. A bad line (not JSON, not a Problem, a repeated id) is an
 * INPUT_INVALID naming the file and line, unless `skipInvalid`, which reports and skips it.
 * Blank lines are ignored.
 */
export async function readProblemLines(path: string, options: { skipInvalid: boolean }): Promise<ProblemLines> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ProoflineError('INPUT_INVALID', `Cannot read problems file ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause });
  }
  const problems: Problem[] = [];
  const skipped: SkippedLine[] = [];
  const firstLineOf = new Map<string, number>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const lineNumber = index + 1;
    const problem = parseProblemLine(line, firstLineOf);
    if (typeof problem === 'string') {
      if (!options.skipInvalid) {
        throw new ProoflineError('INPUT_INVALID', `${path}:${lineNumber}: ${problem} (use --skip-invalid to skip bad lines)`, { details: { path, line: lineNumber } });
      }
      skipped.push({ line: lineNumber, message: problem });
      continue;
    }
    firstLineOf.set(problem.id, lineNumber);
    problems.push(problem);
  }
  return { problems, skipped };
}

/** The problem, or a message saying what is wrong with the line. */
function parseProblemLine(line: string, firstLineOf: ReadonlyMap<string, number>): Problem | string {
  const result = parseJsonLine(line, ProblemSchema);
  if (!result.ok) return result.problem;
  const earlier = firstLineOf.get(result.value.id);
  if (earlier !== undefined) return `problem id \`${result.value.id}\` repeats line ${earlier}; ids must be unique (they key the samples)`;
  return result.value;
}
