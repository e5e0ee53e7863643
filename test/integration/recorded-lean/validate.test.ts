import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOME } from '../../fixtures/recorded-lean/lib/home.ts';
import { RecordingIndex } from '../../fixtures/recorded-lean/lib/recording-index.ts';
import { defaultValidationDirs, validateRecordings } from '../../fixtures/recorded-lean/lib/validate.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpRecordings(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recorded-lean-validate-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('validateRecordings', () => {
  it('finds no problem in the shipped transcripts (all toolchains, cases/) and the examples', () => {
    const report = validateRecordings([...defaultValidationDirs(), path.join(HOME, 'examples')]);
    expect(report.problems).toEqual([]);
    expect(report.transcriptCount).toBeGreaterThan(300);
    expect(report.cmdCount).toBeGreaterThan(500);
  });

  it('reports a transcript with fewer responses than requests', () => {
    const dir = tmpRecordings({ 'short.in': '{"cmd": ""}\n\n{"cmd": "def x := 1", "env": 0}\n', 'short.expected.out': '{"env": 0}\n\n' });
    expect(validateRecordings([dir]).problems).toEqual([expect.stringContaining('2 requests but 1 responses')]);
  });

  it('reports an env reference to an env no earlier response created', () => {
    const dir = tmpRecordings({ 'bad-env.in': '{"cmd": "def x := 1", "env": 3}\n', 'bad-env.expected.out': '{"env": 0}\n\n' });
    expect(validateRecordings([dir]).problems).toEqual([expect.stringContaining('uses env 3')]);
  });

  it('reports a response that is not JSON', () => {
    const dir = tmpRecordings({ 'garbage.in': '{"cmd": ""}\n', 'garbage.expected.out': 'uncaught exception: oops\n\n' });
    expect(validateRecordings([dir]).problems).toHaveLength(1);
  });

  it('reports two recordings that answer the same chain differently', () => {
    const dir = tmpRecordings({
      'a.in': '{"cmd": "def x := 1"}\n',
      'a.expected.out': '{"env": 0}\n\n',
      'b.in': '{"cmd": "def x := 1"}\n',
      'b.expected.out': '{"messages": [{"severity": "error", "pos": {"line": 1, "column": 0}, "endPos": null, "data": "x"}], "env": 0}\n\n',
    });
    expect(validateRecordings([dir]).problems).toEqual([expect.stringContaining('differently')]);
  });
});

describe('RecordingIndex.load', () => {
  it('skips a broken transcript with a warning and still serves the others', () => {
    const dir = tmpRecordings({
      'broken.in': '{"cmd": "def y := 2"}\n',
      'broken.expected.out': '{"env": 0\n\n',
      'good.in': '{"cmd": "def x := 1"}\n',
      'good.expected.out': '{"env": 0}\n\n',
    });
    const warnings: string[] = [];
    const index = RecordingIndex.load([dir], (text) => warnings.push(text));
    expect(warnings).toEqual([expect.stringContaining('broken.in')]);
    expect(index.lookup(['def x := 1'])?.response).toEqual({ env: 0 });
    expect(index.lookup(['def y := 2'])).toBeUndefined();
  });
});
