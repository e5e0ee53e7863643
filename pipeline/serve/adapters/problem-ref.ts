import { z } from 'zod';
import type { VerifyItem } from '../reward-contract.ts';
import { InvalidFieldError } from './adapter-errors.ts';
import { splitLeanFile } from './lean-file-split.ts';

/**
 * Where an item's TRUSTED statement comes from, in every trainer's wire: a problem id (resolved
 * by the service's registry), or a header + formal statement the trainer's dataset carries. These
 * come from the dataset row (OpenRLHF label, verl ground_truth/extra_info, TRL columns, Bedrock
 * reference_answer), never from the model's output.
 */
export type StatementRef = Pick<VerifyItem, 'problem_id' | 'header' | 'formal_statement'>;

export const StatementObjectSchema = z.looseObject({
  problem_id: z.string().min(1).optional(),
  header: z.string().optional(),
  formal_statement: z.string().min(1).optional(),
});
export type StatementObject = z.infer<typeof StatementObjectSchema>;

const PROBLEM_ID = /^\S{1,256}$/u;

/** `{problem_id}` or `{header?, formal_statement}`; problem_id wins when both are given. */
export function statementFromObject(value: StatementObject, field: string): StatementRef {
  if (value.problem_id !== undefined && value.problem_id !== '') return { problem_id: value.problem_id };
  if (value.formal_statement !== undefined && value.formal_statement !== '') return statementFromText(value.formal_statement, value.header, `${field}.formal_statement`);
  throw new InvalidFieldError(field, 'expected `problem_id` or `formal_statement` (with an optional `header`)');
}

/**
 * An OpenRLHF label, verl ground_truth or Bedrock reference answer: a JSON object string
 * (`{"problem_id"}` or `{"header","formal_statement"}`), an object, a formal statement (optionally
 * starting with its imports), or a bare problem id (no whitespace, ≤ 256 characters).
 */
export function statementFromLabel(label: unknown, field: string): StatementRef {
  if (label !== null && typeof label === 'object' && !Array.isArray(label)) return statementFromObject(parseObject(label, field), field);
  if (typeof label !== 'string' || label.trim() === '') {
    throw new InvalidFieldError(field, `expected a problem id, a formal statement or a JSON object with problem_id or formal_statement, got ${JSON.stringify(label)}`);
  }
  const text = label.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InvalidFieldError(field, `expected a JSON object (the label starts with \`{\`): ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidFieldError(field, 'expected a JSON object');
    return statementFromObject(parseObject(parsed, field), field);
  }
  if (splitLeanFile(text, 'last') !== null) return statementFromText(text, undefined, field);
  if (PROBLEM_ID.test(text)) return { problem_id: text };
  throw new InvalidFieldError(field, `expected a problem id (no whitespace, at most 256 characters) or a Lean theorem statement with \`:=\`, got ${JSON.stringify(text.slice(0, 80))}`);
}

/**
 * A formal statement as datasets write it: `… := by sorry`, `… := by` (kimina), or a whole file
 * with its imports (NuminaMath-LEAN). Imports and leading `open`/`set_option` lines join the header.
 */
export function statementFromText(text: string, header: string | undefined, field: string): StatementRef {
  const split = splitLeanFile(text, 'last');
  if (split === null) throw new InvalidFieldError(field, `expected a Lean \`theorem\`/\`lemma\` statement with \`:=\`, got ${JSON.stringify(text.slice(0, 80))}`);
  const headers = [header?.trim() ?? '', split.header].filter((h) => h !== '');
  return headers.length === 0 ? { formal_statement: split.formal_statement } : { header: headers.join('\n'), formal_statement: split.formal_statement };
}

function parseObject(value: object, field: string): StatementObject {
  const parsed = StatementObjectSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidFieldError(`${field}${issue?.path.length ? `.${issue.path.join('.')}` : ''}`, issue?.message ?? 'does not match {problem_id} or {header, formal_statement}');
}
