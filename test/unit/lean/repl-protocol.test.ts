import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { encodeReplRequest, MAX_REPL_RESPONSE_BYTES, parseReplResponse, ReplResponseDecoder, type ReplDecoderEvent } from '../../../pipeline/lean/repl-protocol.ts';

const TRANSCRIPTS = path.resolve(import.meta.dirname, '../../fixtures/recorded-lean/transcripts');
const VERSIONS = ['repl-v4.9.0', 'repl-v4.15.0', 'repl-v4.19.0', 'repl-v4.26.0', 'repl-v4.33.0'];

function listFiles(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The requests of a `.in` file, split the way the REPL splits them (blank-line separated). */
function readRequests(inPath: string): Record<string, unknown>[] {
  return fs.readFileSync(inPath, 'utf8').split(/\n[ \t]*\n/).filter((block) => block.trim() !== '')
    .map((block) => JSON.parse(block.split('\n').map((line) => line.trimEnd()).join('')) as Record<string, unknown>);
}

function values(events: ReplDecoderEvent[]): unknown[] {
  return events.map((event) => {
    if (event.kind === 'error') throw event.error;
    return event.value;
  });
}

function decodeInChunks(bytes: Buffer, chunkSize: number): ReplDecoderEvent[] {
  const decoder = new ReplResponseDecoder();
  const events: ReplDecoderEvent[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) events.push(...decoder.push(bytes.subarray(at, at + chunkSize)));
  events.push(...decoder.end());
  return events;
}

describe('encodeReplRequest', () => {
  it('writes one JSON line with escaped newlines, ended by a blank line', () => {
    const encoded = encodeReplRequest({ cmd: 'theorem t : 1 = 1 := by\n  rfl', env: 3 });
    expect(encoded.endsWith('\n\n')).toBe(true);
    expect(encoded.slice(0, -2)).not.toContain('\n');
    expect(JSON.parse(encoded)).toEqual({ cmd: 'theorem t : 1 = 1 := by\n  rfl', env: 3 });
  });

  it('keeps a cmd that contains a blank line inside one request', () => {
    const encoded = encodeReplRequest({ cmd: 'import Mathlib\n\n\ntheorem t : True := trivial' });
    expect(encoded.indexOf('\n\n')).toBe(encoded.length - 2);
  });
});

describe('ReplResponseDecoder on the real REPL test outputs', () => {
  for (const version of VERSIONS) {
    const outputs = listFiles(path.join(TRANSCRIPTS, version), '.expected.out');

    it(`decodes every response of all ${outputs.length} ${version} transcripts, in any chunking`, () => {
      expect(outputs.length).toBeGreaterThan(30);
      for (const outPath of outputs) {
        const bytes = fs.readFileSync(outPath);
        const blocks = bytes.toString('utf8').split('\n\n').filter((block) => block.trim() !== '');
        const expected = blocks.map((block) => JSON.parse(block) as unknown);
        expect(values(decodeInChunks(bytes, bytes.length)), outPath).toEqual(expected);
        expect(values(decodeInChunks(bytes, 7)), outPath).toEqual(expected);
        expect(values(decodeInChunks(bytes, 1)), outPath).toEqual(expected);
      }
    });

    it(`classifies every ${version} response to a cmd request as a command or error response`, () => {
      let commands = 0;
      let errors = 0;
      for (const outPath of outputs) {
        const requests = readRequests(outPath.replace(/\.expected\.out$/, '.in'));
        const responses = values(decodeInChunks(fs.readFileSync(outPath), 64));
        expect(responses.length, outPath).toBe(requests.length);
        requests.forEach((request, index) => {
          if (typeof request.cmd !== 'string') return;
          const parsed = parseReplResponse(responses[index]);
          if (parsed.kind === 'command') commands += 1;
          else errors += 1;
        });
      }
      expect(commands).toBeGreaterThan(50);
      expect(errors).toBeGreaterThanOrEqual(1); // unknown_environment
    });
  }

  it('reassembles a multi-byte character split across chunks (⊢ is 3 bytes)', () => {
    const bytes = Buffer.from('{"sorries": [{"goal": "⊢ Nat", "proofState": 0}], "env": 0}\n\n', 'utf8');
    const at = bytes.indexOf(Buffer.from('⊢', 'utf8')) + 1;
    const decoder = new ReplResponseDecoder();
    const events = [...decoder.push(bytes.subarray(0, at)), ...decoder.push(bytes.subarray(at))];
    expect(values(events)).toEqual([{ sorries: [{ goal: '⊢ Nat', proofState: 0 }], env: 0 }]);
  });
});

describe('ReplResponseDecoder on broken output', () => {
  it('reports a non-JSON block as LEAN_OUTPUT_UNPARSEABLE and keeps decoding after it', () => {
    const decoder = new ReplResponseDecoder();
    const events = decoder.push('PANIC at Lean.Elab unreachable code\n\n{"env": 4}\n\n');
    expect(events).toHaveLength(2);
    expect(events[0]?.kind === 'error' && events[0].overflowBytes).toBeUndefined();
    expect(events[0]?.kind).toBe('error');
    expect(events[0]?.kind === 'error' && isProoflineError(events[0].error, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
    expect(events[1]).toEqual({ kind: 'value', value: { env: 4 } });
  });

  it('reports an empty response block once (the REPL printed nothing, Kimina #66)', () => {
    const decoder = new ReplResponseDecoder();
    const events = decoder.push('\n\n');
    expect(events).toHaveLength(1);
    expect(events[0]?.kind === 'error' && events[0].error.code).toBe('LEAN_OUTPUT_UNPARSEABLE');
    expect(decoder.push('{"env": 0}\n\n')).toEqual([{ kind: 'value', value: { env: 0 } }]);
  });

  it('does not emit a response before its terminating blank line arrives', () => {
    const decoder = new ReplResponseDecoder();
    expect(decoder.push('{"messages":\n [],\n')).toEqual([]);
    expect(decoder.hasPartialResponse).toBe(true);
    expect(decoder.push(' "env": 1}\n')).toEqual([]);
    expect(values(decoder.push('\n'))).toEqual([{ messages: [], env: 1 }]);
    expect(decoder.hasPartialResponse).toBe(false);
  });

  it('reports a response cut off by end of output at end()', () => {
    const decoder = new ReplResponseDecoder();
    decoder.push('{"env": 0}\n\n{"messages":\n [{"severity": "error",');
    const events = decoder.end();
    expect(events).toHaveLength(1);
    expect(events[0]?.kind === 'error' && events[0].error.code).toBe('LEAN_OUTPUT_UNPARSEABLE');
  });

  it('ends cleanly after complete responses', () => {
    const decoder = new ReplResponseDecoder();
    expect(values(decoder.push('{"env": 0}\n\n'))).toEqual([{ env: 0 }]);
    expect(decoder.end()).toEqual([]);
  });
});

describe('ReplResponseDecoder output cap', () => {
  it('defaults to the cli runner\'s output cap (64 MiB)', () => {
    expect(MAX_REPL_RESPONSE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('reports a response past the cap once, drops the rest of it, and decodes the next response', () => {
    const decoder = new ReplResponseDecoder({ maxResponseBytes: 1000 });
    const huge = `{"messages": [{"severity": "error", "pos": {"line": 1, "column": 0}, "endPos": null, "data": "${'x'.repeat(5000)}"}],\n "env": 3}`;
    const events: ReplDecoderEvent[] = [];
    for (let at = 0; at < huge.length; at += 300) events.push(...decoder.push(huge.slice(at, at + 300)));
    expect(events).toHaveLength(1);
    expect(events[0]?.kind === 'error' && events[0].overflowBytes).toBeGreaterThan(1000);
    expect(events[0]?.kind === 'error' && isProoflineError(events[0].error, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
    expect(decoder.push('\n\n{"env": 4}\n\n')).toEqual([{ kind: 'value', value: { env: 4 } }]);
  });

  it('counts every line of a response against the cap, not only the longest', () => {
    const decoder = new ReplResponseDecoder({ maxResponseBytes: 1000 });
    const events = decoder.push(`{"messages": [\n${'  "0123456789",\n'.repeat(100)}  "x"],\n "env": 1}\n\n`);
    expect(events.map((event) => event.kind === 'error' && event.overflowBytes !== undefined)).toEqual([true]);
  });

  it('takes linear time on one huge line fed in small chunks (32 MiB in 64 KiB chunks)', () => {
    const decoder = new ReplResponseDecoder();
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const started = performance.now();
    for (let sent = 0; sent < 32 * 1024 * 1024; sent += chunk.length) expect(decoder.push(chunk)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(decoder.hasPartialResponse).toBe(true);
  });
});

describe('parseReplResponse', () => {
  it('fills in the lists the REPL omits when empty', () => {
    expect(parseReplResponse({ env: 7 })).toEqual({ kind: 'command', env: 7, messages: [], sorries: [] });
  });

  it('returns the REPL error object as an error response', () => {
    expect(parseReplResponse({ message: 'Unknown environment.' })).toEqual({ kind: 'error', message: 'Unknown environment.' });
  });

  it.each([
    ['a tactic-mode response', { proofStatus: 'Completed', proofState: 2, goals: [] }],
    ['a negative env', { env: -1 }],
    ['an unknown severity', { env: 0, messages: [{ severity: 'fatal', pos: { line: 1, column: 0 }, endPos: null, data: 'x' }] }],
    ['a message without data', { env: 0, messages: [{ severity: 'error', pos: { line: 1, column: 0 } }] }],
    ['an array', [{ env: 0 }]],
    ['null', null],
    ['an error object with extra keys', { message: 'x', code: 3 }],
  ])('throws LEAN_OUTPUT_UNPARSEABLE on %s', (_name, json) => {
    let caught: unknown;
    try {
      parseReplResponse(json);
    } catch (error) {
      caught = error;
    }
    expect(isProoflineError(caught, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
  });
});
