import type { z } from 'zod';
import { describeIssue } from '../config.ts';

/**
 * One line of a JSONL input validated against its schema: the value, or a message saying what was
 * expected and what was received (`expected a JSON object, got invalid JSON (…)`, or every zod
 * issue as `` `key`: … (got …) ``). The callers add the file and line number and decide whether a
 * bad line stops the run or is reported and skipped.
 */
export function parseJsonLine<T>(raw: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, problem: `expected a JSON object, got invalid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((issue) => describeIssue(issue)).join('; ') };
  return { ok: true, value: parsed.data };
}
