import { describe, expect, it } from 'vitest';
import { renderLeanJsonPretty } from '../../fixtures/recorded-lean/lib/lean-json.ts';
import { RecordingIndex } from '../../fixtures/recorded-lean/lib/recording-index.ts';
import type { Transcript } from '../../fixtures/recorded-lean/lib/transcript.ts';

/**
 * The recorded-Lean double builds its whitespace-normalised and whole-file maps only when a lookup
 * needs them (the checker's requests hit the exact texts). Lazily built maps must answer exactly
 * like eagerly built ones, also for transcripts added after a first lookup.
 */
function transcript(name: string, requests: unknown[], responses: unknown[]): Transcript {
  return { inPath: `/recordings/${name}.in`, requests, responses, sidecar: null };
}

const header = 'import Mathlib';
const answer = (data: string) => ({ messages: [{ severity: 'error', pos: { line: 1, column: 0 }, endPos: null, data }], env: 1 });

describe('recorded-lean index', () => {
  it('serves exact texts first, then whitespace-normalised ones, the first recording winning, also after later adds', () => {
    const index = new RecordingIndex();
    index.add(transcript('a', [{ cmd: header }, { cmd: 'theorem t : True := by\n  trivial', env: 0 }], [{ env: 0 }, answer('a')]));
    index.add(transcript('b', [{ cmd: header }, { cmd: 'theorem t : True := by\n    trivial', env: 0 }], [{ env: 0 }, answer('b')]));
    expect(index.lookup([header, 'theorem t : True := by\n    trivial'])?.response).toEqual(answer('b'));
    expect(index.lookup([header, 'theorem t : True := by trivial'])?.response).toEqual(answer('a'));
    // Added after the normalised map was first built: still found, and still not over the first.
    index.add(transcript('c', [{ cmd: header }, { cmd: 'theorem u : True := by\n  trivial', env: 0 }, { cmd: 'theorem t : True := by   trivial', env: 0 }], [{ env: 0 }, answer('c'), answer('c2')]));
    expect(index.lookup([header, 'theorem u : True :=   by trivial'])?.response).toEqual(answer('c'));
    expect(index.lookup([header, 'theorem t  : True := by trivial'])?.response).toEqual(answer('a'));
    expect(index.lookup([header, 'theorem t : True := by   trivial'])?.response).toEqual(answer('c2'));
    expect(index.lookup([header, 'theorem v : True := by trivial'])).toBeUndefined();
    expect(index.lookupFile(`${header}\n\ntheorem u : True := by\n  trivial`)?.transcript.inPath).toBe('/recordings/c.in');
    index.add(transcript('d', [{ cmd: header }, { cmd: 'theorem w : True := by\n  trivial', env: 0 }], [{ env: 0 }, answer('d')]));
    expect(index.lookupFile(`${header}   theorem w : True := by trivial`)?.transcript.inPath).toBe('/recordings/d.in');
    expect(index.lookup([header, 'theorem w : True := by trivial'])?.chain).toEqual([header, 'theorem w : True := by trivial']);
  });

  it('reports conflicting recordings of one chain (exact and whitespace-only), not identical ones', () => {
    const index = new RecordingIndex();
    index.add(transcript('a', [{ cmd: header }, { cmd: 'theorem t : True := by\n  trivial', env: 0 }], [{ env: 0 }, answer('a')]));
    index.add(transcript('b', [{ cmd: header }, { cmd: 'theorem t : True := by\n  trivial', env: 0 }], [{ env: 5 }, { ...answer('a'), env: 6 }]));
    expect(index.conflicts).toEqual([]);
    index.add(transcript('c', [{ cmd: header }, { cmd: 'theorem t : True := by\n  trivial', env: 0 }], [{ env: 0 }, answer('other')]));
    index.add(transcript('d', [{ cmd: header }, { cmd: 'theorem t : True := by trivial', env: 0 }], [{ env: 0 }, answer('third')]));
    expect(index.conflicts).toEqual([
      { chain: [header, 'theorem t : True := by trivial'], kept: '/recordings/a.in', ignored: '/recordings/c.in', isWhitespaceOnly: false },
      { chain: [header, 'theorem t : True := by trivial'], kept: '/recordings/a.in', ignored: '/recordings/d.in', isWhitespaceOnly: true },
    ]);
  });

  it("lays out Lean's Json.pretty at width 80: short objects stay on one line inside broken ones, codepoints count once", () => {
    const value = { messages: [{ severity: 'warning', pos: { line: 1, column: 8 }, endPos: { line: 1, column: 9 }, data: 'declaration uses `sorry` ℝ𝔽' }], env: 3 };
    expect(renderLeanJsonPretty(value)).toBe(
      '{"messages":\n [{"severity": "warning",\n   "pos": {"line": 1, "column": 8},\n   "endPos": {"line": 1, "column": 9},\n   "data": "declaration uses `sorry` ℝ𝔽"}],\n "env": 3}',
    );
    expect(renderLeanJsonPretty({ env: 0 })).toBe('{"env": 0}');
    // 𝔽 is two UTF-16 units but one column: exactly 80 columns still fit on the line, 81 do not.
    const fits = `${'x'.repeat(68)}𝔽`;
    expect(renderLeanJsonPretty({ a: [fits] })).toBe(`{"a": ["${fits}"]}`);
    expect(renderLeanJsonPretty({ a: [`${fits}y`] })).toBe(`{"a":\n ["${fits}y"]}`);
  });
});
