import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import {
  normalizeLeanJsonMessage,
  normalizeReplMessage,
  parseLeanJsonLines,
  parseLeanJsonOutput,
} from '../../../pipeline/lean/parse-messages.ts';
import { ReplMessageSchema, type ReplMessage } from '../../../pipeline/lean/repl-protocol.ts';
import { LeanMessageSchema } from '../../../pipeline/schemas/verdict.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/recorded-lean');

/** Recorded at v4.32.1 by a third party (reference/lean-io.md §4): alphabetical keys, isSilent + kind. */
const V4_32_LINE =
  '{"caption":"","data":"declaration uses `sorry`","endPos":{"column":18,"line":1},"fileName":"NdjsonProbe.lean","isSilent":false,"keepFullRange":false,"kind":"hasSorry","pos":{"column":8,"line":1},"severity":"warning"}';
/** The older field set: severity first, no kind/isSilent. */
const OLD_SHAPE_LINE =
  '{"severity":"information","pos":{"line":5,"column":0},"endPos":{"line":5,"column":13},"keepFullRange":false,"fileName":"Candidate.lean","data":"\'t\' depends on axioms: [propext]","caption":""}';

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('normalizeReplMessage', () => {
  const message: ReplMessage = { severity: 'info', pos: { line: 2, column: 4 }, endPos: { line: 3, column: 1 }, data: 'rfl : f = f' };

  it('keeps REPL positions and severities, shifting lines by the offset', () => {
    expect(normalizeReplMessage(message)).toEqual({ severity: 'info', line: 2, column: 4, end_line: 3, end_column: 1, data: 'rfl : f = f' });
    expect(normalizeReplMessage(message, 10)).toMatchObject({ line: 12, end_line: 13, column: 4, end_column: 1 });
  });

  it('leaves line 0 (no position, as in tactic mode) unshifted', () => {
    const positionless: ReplMessage = { ...message, pos: { line: 0, column: 0 }, endPos: { line: 0, column: 0 } };
    expect(normalizeReplMessage(positionless, 10)).toMatchObject({ line: 0, end_line: 0 });
  });

  it('maps a missing or null endPos to null ends', () => {
    expect(normalizeReplMessage({ ...message, endPos: null })).toMatchObject({ end_line: null, end_column: null });
    expect(normalizeReplMessage({ severity: 'error', pos: { line: 1, column: 0 }, data: 'x' })).toMatchObject({ end_line: null });
  });

  it('counts the never-produced "trace" severity as info', () => {
    expect(normalizeReplMessage({ ...message, severity: 'trace' }).severity).toBe('info');
  });
});

describe('parseLeanJsonOutput', () => {
  it('normalises the v4.32 field set', () => {
    expect(parseLeanJsonOutput(`${V4_32_LINE}\n`)).toEqual([
      { severity: 'warning', line: 1, column: 8, end_line: 1, end_column: 18, data: 'declaration uses `sorry`' },
    ]);
    expect(parseLeanJsonLines(V4_32_LINE)[0]?.kind).toBe('hasSorry');
  });

  it('normalises the older field set and turns "information" into "info"', () => {
    expect(parseLeanJsonOutput(OLD_SHAPE_LINE, 2)).toEqual([
      { severity: 'info', line: 7, column: 0, end_line: 7, end_column: 13, data: "'t' depends on axioms: [propext]" },
    ]);
  });

  it('reads one message per line and ignores blank lines', () => {
    const messages = parseLeanJsonOutput(`${V4_32_LINE}\n\n${OLD_SHAPE_LINE}\n`);
    expect(messages.map((message) => message.severity)).toEqual(['warning', 'info']);
  });

  it('returns no messages for empty output (a clean file)', () => {
    expect(parseLeanJsonOutput('')).toEqual([]);
  });

  it('rejects a non-JSON line with LEAN_OUTPUT_UNPARSEABLE naming its line number', () => {
    const error = caught(() => parseLeanJsonOutput(`${V4_32_LINE}\nStack overflow detected. Aborting.\n`));
    expect(isProoflineError(error, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
    expect(isProoflineError(error) && error.details.lineNumber).toBe(2);
  });

  it('rejects a JSON line that is not a Lean message', () => {
    const error = caught(() => parseLeanJsonOutput('{"env": 0}\n'));
    expect(isProoflineError(error, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
    expect(isProoflineError(error) && error.details.lineNumber).toBe(1);
  });

  it('rejects the REPL spelling "info" (lean --json says "information")', () => {
    const line = V4_32_LINE.replace('"severity":"warning"', '"severity":"info"');
    expect(isProoflineError(caught(() => parseLeanJsonLines(line)), 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
  });

  it('accepts exactly what normalizeLeanJsonMessage accepts', () => {
    const [raw] = parseLeanJsonLines(V4_32_LINE);
    expect(raw).toBeDefined();
    expect(normalizeLeanJsonMessage(raw!, 4)).toEqual(parseLeanJsonOutput(V4_32_LINE, 4)[0]);
  });
});

describe('real recorded REPL messages', () => {
  it('normalises every message of the 102 Kimina /verify recordings; 98 have no error, 4 timed out', () => {
    const dir = path.join(FIXTURES, 'kimina-verify', 'output');
    const files = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(102);
    let withoutError = 0;
    let timedOut = 0;
    let messageCount = 0;
    for (const name of files) {
      const result = (JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { results: Array<{ error: string | null; response: { messages?: unknown[] } | null }> }).results[0];
      if (result?.response === null || result === undefined) {
        timedOut += 1;
        continue;
      }
      const messages = (result.response.messages ?? []).map((raw) => normalizeReplMessage(ReplMessageSchema.parse(raw)));
      messageCount += messages.length;
      for (const message of messages) expect(LeanMessageSchema.parse(message)).toEqual(message);
      if (!messages.some((message) => message.severity === 'error')) withoutError += 1;
    }
    expect({ withoutError, timedOut }).toEqual({ withoutError: 98, timedOut: 4 });
    expect(messageCount).toBeGreaterThan(100);
  });

  it('normalises every message in the v4.33 REPL transcripts, keeping the sorry warning text as Lean wrote it', () => {
    const dir = path.join(FIXTURES, 'transcripts', 'repl-v4.33.0');
    const texts: string[] = [];
    for (const name of fs.readdirSync(dir).filter((entry) => entry.endsWith('.expected.out'))) {
      for (const block of fs.readFileSync(path.join(dir, name), 'utf8').split('\n\n').filter((text) => text.trim() !== '')) {
        const response = JSON.parse(block) as { messages?: unknown[] };
        for (const raw of response.messages ?? []) texts.push(LeanMessageSchema.parse(normalizeReplMessage(ReplMessageSchema.parse(raw))).data);
      }
    }
    expect(texts).toContain('declaration uses `sorry`');
    expect(texts.length).toBeGreaterThan(40);
  });
});
