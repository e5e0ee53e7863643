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

/**
 * Bytes one REPL response may take. The same cap as the cli runner's output (`maxOutputBytes` in
 * lean-process.ts), so that an error cascade is decided alike under both runners. Far above any
 * honest response (messages and goals, no info trees are requested).
 */
export const MAX_REPL_RESPONSE_BYTES = 64 * 1024 * 1024;

export type ReplDecoderEvent =
  | { kind: 'value'; value: unknown }
  | {
      kind: 'error';
      error: ProoflineError;
      /**
       * Set when a response grew past the cap (bytes received when it was cut): the rest of it, up
       * to its blank line, is dropped unread. Lean printed it, so a caller may treat it as output
       * of the candidate's making rather than as a broken process.
       */
      overflowBytes?: number;
    };

export interface ReplResponseDecoderOptions {
  /** Default MAX_REPL_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Incremental decoder for the REPL's stdout. Feed it chunks split anywhere (also inside a
 * multi-byte UTF-8 character: lines are cut on raw bytes and decoded whole); every
 * blank-line-terminated block comes back as one event. A block that is not JSON, or an empty
 * block (the REPL printed nothing, as `rw?` did in Kimina #66), is an error EVENT, and so is a block
 * past `maxResponseBytes` (marked `overflowBytes`): nothing here throws, and nothing grows without bound,
 * so it is safe to call from a stream 'data' handler. Work is linear in the bytes received.
 */
export class ReplResponseDecoder {
  readonly #maxResponseBytes: number;
  /** Pieces of the line not yet ended by a newline. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #blockLines: string[] = [];
  #blockBytes = 0;
  #isInEmptyRun = false;
  /** After an overflow: dropping the rest of that response, up to its blank line. */
  #isDiscarding = false;
  #isDiscardedLineBlank = true;

  constructor(options: ReplResponseDecoderOptions = {}) {
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_REPL_RESPONSE_BYTES;
  }

  push(chunk: Buffer | string): ReplDecoderEvent[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const events: ReplDecoderEvent[] = [];
    let start = 0;
    for (let newline = bytes.indexOf(NEWLINE, start); newline >= 0; newline = bytes.indexOf(NEWLINE, start)) {
      this.#appendPartial(bytes.subarray(start, newline), events);
      this.#endLine(events);
      start = newline + 1;
    }
    if (start < bytes.length) this.#appendPartial(bytes.subarray(start), events);
    return events;
  }

  /** Call at EOF: a block still open then was cut off (the process died mid-response). */
  end(): ReplDecoderEvent[] {
    if (this.#isDiscarding) {
      this.#resetBlock();
      return [];
    }
    const rest = this.#takePartialLine();
    if (rest.trim() !== '') this.#blockLines.push(rest);
    if (this.#blockLines.length === 0) return [];
    const lineCount = this.#blockLines.length;
    this.#resetBlock();
    return [
      errorEvent(`Expected a REPL response ended by a blank line, got end of output after ${lineCount} line(s) of an unfinished response`, {
        lineCount,
      }),
    ];
  }

  /** True while part of a response has been received but not its terminating blank line. */
  get hasPartialResponse(): boolean {
    return this.#isDiscarding || this.#blockLines.length > 0 || this.#partial.some((piece) => !isBlank(piece));
  }

  #appendPartial(piece: Buffer, events: ReplDecoderEvent[]): void {
    if (piece.length === 0) return;
    if (this.#isDiscarding) {
      if (!isBlank(piece)) this.#isDiscardedLineBlank = false;
      return;
    }
    this.#partial.push(piece);
    this.#partialBytes += piece.length;
    if (this.#blockBytes + this.#partialBytes > this.#maxResponseBytes) {
      const bytes = this.#blockBytes + this.#partialBytes;
      const error = new ProoflineError('LEAN_OUTPUT_UNPARSEABLE', `Expected a REPL response of at most ${this.#maxResponseBytes} bytes, got ${bytes} bytes and more`, {
        details: { bytes, maxResponseBytes: this.#maxResponseBytes },
      });
      events.push({ kind: 'error', error, overflowBytes: bytes });
      this.#resetBlock();
      this.#isDiscarding = true;
      this.#isDiscardedLineBlank = false;
    }
  }

  #endLine(events: ReplDecoderEvent[]): void {
    if (this.#isDiscarding) {
      if (this.#isDiscardedLineBlank) this.#isDiscarding = false;
      this.#isDiscardedLineBlank = true;
      return;
    }
    const lineBytes = this.#partialBytes + 1;
    const rawLine = this.#takePartialLine();
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() !== '') {
      this.#isInEmptyRun = false;
      this.#blockLines.push(line);
      this.#blockBytes += lineBytes;
      return;
    }
    if (this.#blockLines.length === 0) {
      if (!this.#isInEmptyRun) events.push(errorEvent('Expected a REPL response, got an empty response block', {}));
      this.#isInEmptyRun = true;
      return;
    }
    const block = this.#blockLines.join('\n');
    this.#resetBlock();
    events.push(decodeBlock(block));
  }

  #takePartialLine(): string {
    const line = this.#partial.length === 1 ? this.#partial[0]!.toString('utf8') : Buffer.concat(this.#partial).toString('utf8');
    this.#partial = [];
    this.#partialBytes = 0;
    return line;
  }

  #resetBlock(): void {
    this.#blockLines = [];
    this.#blockBytes = 0;
    this.#partial = [];
    this.#partialBytes = 0;
  }
}

/** Only spaces, tabs and carriage returns (what a blank line may hold). */
function isBlank(piece: Buffer): boolean {
  for (const byte of piece) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
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
