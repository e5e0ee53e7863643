import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import type { Problem } from '../schemas/problem.ts';

/** A prompt template file (datasets/prompts/*.yaml): a version id, a system and a user message. */
const PromptTemplateSchema = z
  .object({
    /** Bump on every change of wording; it goes into every completion record. */
    version: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/u, 'expected a version id like `lean4-proof-v1`'),
    system: z.string().min(1),
    user: z.string().min(1),
  })
  .strict();

export type PromptTemplate = z.infer<typeof PromptTemplateSchema>;

export interface RenderedPrompt {
  version: string;
  system: string;
  user: string;
  /**
   * Input size used only to reserve tokens-per-minute before a request: UTF-8 bytes / 3, a
   * deliberate overestimate (English runs ~4 characters per token; Lean's Unicode symbols are 3
   * bytes and often one token), so a reservation rarely undercounts what the backend bills.
   */
  estimatedTokens: number;
}

const PLACEHOLDERS = ['problem_id', 'informal_statement', 'header', 'formal_statement'] as const;
const PLACEHOLDER_PATTERN = /\{\{\s*([a-z_]+)\s*\}\}/gu;
export const NO_INFORMAL_STATEMENT = '(no natural-language statement given)';

/** Reads and validates a template; unknown `{{placeholders}}` are a config error, not a silent blank. */
export function loadPromptTemplate(path: string): PromptTemplate {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ProoflineError('CONFIG_INVALID', `Cannot read prompt template ${path}: ${(cause as Error).message}`, { cause });
  }
  const result = PromptTemplateSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `\`${issue.path.join('.') || '(root)'}\`: ${issue.message}`);
    throw new ProoflineError('CONFIG_INVALID', `Prompt template ${path} is invalid: ${problems.join('; ')}`);
  }
  for (const text of [result.data.system, result.data.user]) {
    for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(match[1]!)) {
        throw new ProoflineError('CONFIG_INVALID', `Prompt template ${path}: unknown placeholder {{${match[1]}}}; expected one of ${PLACEHOLDERS.join(', ')}`);
      }
    }
  }
  return result.data;
}

/** Fills the template for one problem. The header and statement are inserted verbatim. */
export function renderPrompt(template: PromptTemplate, problem: Problem): RenderedPrompt {
  const values: Record<string, string> = {
    problem_id: problem.id,
    informal_statement: problem.informal_statement?.trim() || NO_INFORMAL_STATEMENT,
    header: problem.header,
    formal_statement: problem.formal_statement,
  };
  const fill = (text: string): string => text.replace(PLACEHOLDER_PATTERN, (_, name: string) => values[name] ?? '');
  const system = fill(template.system);
  const user = fill(template.user);
  return { version: template.version, system, user, estimatedTokens: Math.ceil(Buffer.byteLength(system + user, 'utf8') / 3) };
}
