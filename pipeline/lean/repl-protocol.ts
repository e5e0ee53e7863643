import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';

/**
 * The Lean REPL's wire format (leanprover-community/repl, `REPL/Main.lean`): requests are JSON
 * objects ended by a blank line; the REPL reads lines until a blank one and concatenates them
 * with NO separator, so a request must be a single line. Responses are Lean's pretty-printed JSON
 * (several lines, never an empty one) followed by one empty line.
 */

export const ReplPositionSchema = z.object({ line: z.number().int(), column: z.number().int() });

export const ReplMessageSchema = z.object({
  // The REPL's Severity enum also has "trace", although `Message.of` never produces it.
  severity: z.enum(['info', 'warning', 'error', 'trace']),
  pos: ReplPositionSchema,
  endPos: ReplPositionSchema.nullish(),
  data: z.string(),
});
export type ReplMessage = z.infer<typeof ReplMessageSchema>;

/** A `sorry` the REPL found syntactically (a `sorryAx` reached any other way is not listed). */
export const ReplSorrySchema = z.object({
  proofState: z.number().int().nullish(),
  goal: z.string(),
  pos: ReplPositionSchema.optional(),
  endPos: ReplPositionSchema.nullish(),
});
export type ReplSorry = z.infer<typeof ReplSorrySchema>;

/** `{env, messages?, sorries?, tactics?, infotree?}`: empty lists are omitted by the REPL. */
export const ReplCommandResponseSchema = z.object({
  env: z.number().int().nonnegative(),
  messages: z.array(ReplMessageSchema).optional(),
  sorries: z.array(ReplSorrySchema).optional(),
  tactics: z.array(z.record(z.string(), z.unknown())).optional(),
  infotree: z.unknown().optional(),
});

/** `{"message": "Unknown environment."}` and other failures the REPL reports as values. */
export const ReplErrorResponseSchema = z.strictObject({ message: z.string() });

export type ReplResponse =
  | { kind: 'command'; env: number; messages: ReplMessage[]; sorries: ReplSorry[] }
  | { kind: 'error'; message: string };

/** One request as the REPL must receive it: single-line JSON (newlines escaped) + blank line. */
export function encodeReplRequest(request: Record<string, unknown>): string {
  return `${JSON.stringify(request)}\n\n`;
}

/** Classifies one decoded response; anything but a command or error response is out of protocol. */
export function parseReplResponse(json: unknown): ReplResponse {
  const command = ReplCommandResponseSchema.safeParse(json);
  if (command.success) {
    const { env, messages = [], sorries = [] } = command.data;
    return { kind: 'command', env, messages, sorries };
  }
  const error = ReplErrorResponseSchema.safeParse(json);
  if (error.success) return { kind: 'error', message: error.data.message };
  const keys = json !== null && typeof json === 'object' ? Object.keys(json).sort() : [];
  throw new ProoflineError(
    'LEAN_OUTPUT_UNPARSEABLE',
    `Expected a REPL command response {env, messages?, sorries?} or an error {message}, got ${describe(json)} with keys [${keys.join(', ')}]`,
    { cause: command.error, details: { keys } },
  );
}

export type ReplDecoderEvent = { kind: 'value'; value: unknown } | { kind: 'error'; error: ProoflineError };

/**
 * Incremental decoder for the REPL's stdout. Feed it chunks split anywhere (also inside a
 * multi-byte UTF-8 character); every blank-line-terminated block comes back as one event. A block
 * that is not JSON, or an empty block (the REPL printed nothing, as `rw?` did in Kimina #66), is
 * an error EVENT: nothing here throws, so it is safe to call from a stream 'data' handler.
 */
export class ReplResponseDecoder {
  #utf8 = new StringDecoder('utf8');
  #partialLine = '';
  #blockLines: string[] = [];
  #isInEmptyRun = false;

  push(chunk: Buffer | string): ReplDecoderEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.#utf8.write(chunk);
    const lines = (this.#partialLine + text).split('\n');
    this.#partialLine = lines.pop() ?? '';
    const events: ReplDecoderEvent[] = [];
    for (const line of lines) this.#acceptLine(line, events);
    return events;
  }

  /** Call at EOF: a block still open then was cut off (the process died mid-response). */
  end(): ReplDecoderEvent[] {
    const rest = this.#partialLine + this.#utf8.end();
    this.#partialLine = '';
    if (rest.trim() !== '') this.#blockLines.push(rest);
    if (this.#blockLines.length === 0) return [];
    const lineCount = this.#blockLines.length;
    this.#blockLines = [];
    return [
      errorEvent(`Expected a REPL response ended by a blank line, got end of output after ${lineCount} line(s) of an unfinished response`, {
        lineCount,
      }),
    ];
  }

  /** True while part of a response has been received but not its terminating blank line. */
  get hasPartialResponse(): boolean {
    return this.#blockLines.length > 0 || this.#partialLine.trim() !== '';
  }

  #acceptLine(rawLine: string, events: ReplDecoderEvent[]): void {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() !== '') {
      this.#isInEmptyRun = false;
      this.#blockLines.push(line);
      return;
    }
    if (this.#blockLines.length === 0) {
      if (!this.#isInEmptyRun) events.push(errorEvent('Expected a REPL response, got an empty response block', {}));
      this.#isInEmptyRun = true;
      return;
    }
    const block = this.#blockLines.join('\n');
    this.#blockLines = [];
    events.push(decodeBlock(block));
  }
}

function decodeBlock(block: string): ReplDecoderEvent {
  try {
    return { kind: 'value', value: JSON.parse(block) };
  } catch (cause) {
    return errorEvent(`Expected a JSON response from the REPL, got non-JSON text ${excerpt(block)}`, { length: block.length }, cause);
  }
}

function errorEvent(message: string, details: Record<string, unknown>, cause?: unknown): ReplDecoderEvent {
  return { kind: 'error', error: new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', message, { cause, details }) };
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}

function describe(json: unknown): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  return typeof json === 'object' ? 'an object' : `a ${typeof json}`;
}
