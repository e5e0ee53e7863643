import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import type { LeanMessage } from '../schemas/verdict.ts';
import { ReplPositionSchema, type ReplMessage } from './repl-protocol.ts';

/**
 * Lean messages from both runners, normalised to `LeanMessage`. The REPL says "info", `lean
 * --json` says "information"; the REPL's "trace" (never produced in practice) counts as info.
 * `lineOffset` moves positions from a command's own coordinates into the assembled file's:
 * line 0 (a message with no position, as in tactic mode) is left as it is.
 */

/** `toJson SerialMessage`: v4.32+ adds `isSilent`/`kind`; older versions print `severity` first and omit them. */
export const LeanJsonMessageSchema = z.object({
  severity: z.enum(['information', 'warning', 'error']),
  pos: ReplPositionSchema,
  endPos: ReplPositionSchema.nullish(),
  data: z.string(),
  fileName: z.string().optional(),
  caption: z.string().optional(),
  keepFullRange: z.boolean().optional(),
  isSilent: z.boolean().optional(),
  /** The message tag as a Name string, e.g. "hasSorry", "[anonymous]". */
  kind: z.string().optional(),
});
export type LeanJsonMessage = z.infer<typeof LeanJsonMessageSchema>;

const SEVERITIES = {
  info: 'info',
  trace: 'info',
  information: 'info',
  warning: 'warning',
  error: 'error',
} as const satisfies Record<ReplMessage['severity'] | LeanJsonMessage['severity'], LeanMessage['severity']>;

function shiftLine(line: number, lineOffset: number): number {
  return line >= 1 ? line + lineOffset : line;
}

function normalizeMessage(message: ReplMessage | LeanJsonMessage, lineOffset: number): LeanMessage {
  const end = message.endPos ?? null;
  return {
    severity: SEVERITIES[message.severity],
    line: shiftLine(message.pos.line, lineOffset),
    column: message.pos.column,
    end_line: end === null ? null : shiftLine(end.line, lineOffset),
    end_column: end === null ? null : end.column,
    data: message.data,
  };
}

export function normalizeReplMessage(message: ReplMessage, lineOffset = 0): LeanMessage {
  return normalizeMessage(message, lineOffset);
}

export function normalizeLeanJsonMessage(message: LeanJsonMessage, lineOffset = 0): LeanMessage {
  return normalizeMessage(message, lineOffset);
}

/**
 * Parses `lean --json` stdout: one compact JSON message per line (blank lines ignored). Any other
 * line is a broken toolchain (a panic, a crash banner), reported with its 1-based line number.
 */
export function parseLeanJsonLines(stdout: string): LeanJsonMessage[] {
  const messages: LeanJsonMessage[] = [];
  stdout.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (cause) {
      throw unparseable(`Expected one JSON message per line of \`lean --json\` output, got non-JSON text on line ${index + 1}: ${excerpt(line)}`, index + 1, cause);
    }
    const parsed = LeanJsonMessageSchema.safeParse(json);
    if (!parsed.success) {
      throw unparseable(`Expected a Lean message object on line ${index + 1} of \`lean --json\` output, got ${excerpt(line)}`, index + 1, parsed.error);
    }
    messages.push(parsed.data);
  });
  return messages;
}

/** `parseLeanJsonLines` then `normalizeLeanJsonMessage` on each. */
export function parseLeanJsonOutput(stdout: string, lineOffset = 0): LeanMessage[] {
  return parseLeanJsonLines(stdout).map((message) => normalizeLeanJsonMessage(message, lineOffset));
}

function unparseable(message: string, lineNumber: number, cause: unknown): ProoflineError {
  return new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', message, { cause, details: { lineNumber } });
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
