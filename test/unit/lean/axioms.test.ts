import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyAxioms, parsePrintAxioms } from '../../../pipeline/lean/axioms.ts';

const LEAN_CLI = path.resolve(import.meta.dirname, '../../fixtures/lean-cli');
const ALLOWED = ['propext', 'Classical.choice', 'Quot.sound'] as const;

/** `info: '…' depends on axioms …` texts from the doc comments of lean4's self-checking tests. */
function recordedPrintAxiomsTexts(file: string): string[] {
  const text = fs.readFileSync(path.join(LEAN_CLI, file), 'utf8');
  return [...text.matchAll(/info: ('.*?' (?:depends on axioms: \[.*?\]|does not depend on any axioms))/g)].map((match) => match[1] as string);
}

describe('parsePrintAxioms on real Lean output', () => {
  it('reads user axioms and native_decide axioms from lean4 tests/lean/run/collectAxioms.lean', () => {
    const texts = recordedPrintAxiomsTexts('collectAxioms.lean');
    expect(texts.map(parsePrintAxioms)).toEqual([
      { target: 'A2', axioms: ['A0', 'A1', 'A2'] },
      { target: 'one_add_one', axioms: ['Lean.ofReduceBool', 'Lean.trustCompiler'] },
    ]);
  });

  it('reads the native_decide closure from lean4 tests/lean/run/decideNative.lean', () => {
    expect(recordedPrintAxiomsTexts('decideNative.lean').map(parsePrintAxioms)).toEqual([
      { target: 'ex1', axioms: ['Lean.ofReduceBool', 'Lean.trustCompiler'] },
    ]);
  });
});

describe('parsePrintAxioms', () => {
  it('reads "does not depend on any axioms" as an empty closure', () => {
    expect(parsePrintAxioms("'Nat.add_zero' does not depend on any axioms")).toEqual({ target: 'Nat.add_zero', axioms: [] });
  });

  it('parses the list as a set: old unsorted and new Name.lt orders give the same result', () => {
    const older = parsePrintAxioms("'t' depends on axioms: [Classical.choice, propext, Quot.sound]");
    const newer = parsePrintAxioms("'t' depends on axioms: [propext, Classical.choice, Quot.sound]");
    expect(older).toEqual(newer);
    expect(newer?.axioms).toEqual(['Classical.choice', 'Quot.sound', 'propext']);
  });

  it('drops duplicates', () => {
    expect(parsePrintAxioms("'t' depends on axioms: [propext, propext]")?.axioms).toEqual(['propext']);
  });

  it('reads a list Lean wrapped over several lines', () => {
    expect(parsePrintAxioms("'t' depends on axioms: [propext,\n  sorryAx,\n  Classical.choice,\n  Quot.sound]")?.axioms).toEqual([
      'Classical.choice',
      'Quot.sound',
      'propext',
      'sorryAx',
    ]);
  });

  it('keeps «quoted» names whole, commas included', () => {
    expect(parsePrintAxioms("'t' depends on axioms: [«my, axiom», Foo.«bar baz»]")?.axioms).toEqual(['Foo.«bar baz»', '«my, axiom»']);
  });

  it('keeps primes in the target name', () => {
    expect(parsePrintAxioms("'add_comm'' depends on axioms: [propext]")).toEqual({ target: "add_comm'", axioms: ['propext'] });
  });

  it('reads per-use native_decide axioms (lean4 RFC #12216)', () => {
    expect(parsePrintAxioms("'X' depends on axioms: [X._native.native_decide.ax_1_1, propext]")?.axioms).toEqual([
      'X._native.native_decide.ax_1_1',
      'propext',
    ]);
  });

  it.each([
    'declaration uses `sorry`',
    "'t' depends on axioms: [propext",
    "'t' depends on axioms: []",
    "'t' depends on axioms: [propext, , Quot.sound]",
    "'t' depends on axioms: [«unclosed]",
    "'t' depends on axioms: [two words]",
    "t depends on axioms: [propext]",
    '',
  ])('returns null for %j', (text) => {
    expect(parsePrintAxioms(text)).toBeNull();
  });
});

describe('classifyAxioms', () => {
  it('accepts a subset of the allowed axioms', () => {
    expect(classifyAxioms(['propext', 'Quot.sound'], ALLOWED, 't')).toEqual({ sorry: false, forbidden: [] });
    expect(classifyAxioms([], ALLOWED, 't')).toEqual({ sorry: false, forbidden: [] });
  });

  it('reports sorryAx as sorry, not as a forbidden axiom', () => {
    expect(classifyAxioms(['propext', 'sorryAx'], ALLOWED, 't')).toEqual({ sorry: true, forbidden: [] });
  });

  it('keeps sorry even when someone lists sorryAx as allowed', () => {
    expect(classifyAxioms(['sorryAx'], [...ALLOWED, 'sorryAx'], 't').sorry).toBe(true);
  });

  it('forbids native_decide axioms, old and new', () => {
    expect(classifyAxioms(['Lean.ofReduceBool', 'Lean.trustCompiler', 'propext'], ALLOWED, 't').forbidden).toEqual([
      'Lean.ofReduceBool',
      'Lean.trustCompiler',
    ]);
    expect(classifyAxioms(['t._native.native_decide.ax_1_1'], ALLOWED, 't').forbidden).toEqual(['t._native.native_decide.ax_1_1']);
  });

  it('forbids user axioms, sorted', () => {
    expect(classifyAxioms(['A2', 'A0', 'A1'], ALLOWED, 'A2').forbidden).toEqual(['A0', 'A1', 'A2']);
  });

  it('forbids the target itself even if its name is allowed', () => {
    expect(classifyAxioms(['propext'], ALLOWED, 'propext').forbidden).toEqual(['propext']);
  });

  it('allows by exact name only: a pattern-looking entry allows nothing else', () => {
    expect(classifyAxioms(['Lean.ofReduceBool'], ['Lean.*', '*'], 't').forbidden).toEqual(['Lean.ofReduceBool']);
    expect(classifyAxioms(['Classical.choice'], ['Classical'], 't').forbidden).toEqual(['Classical.choice']);
  });
});
