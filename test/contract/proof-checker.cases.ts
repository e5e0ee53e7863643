import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ProofChecker } from '../../pipeline/lean/proof-checker.ts';
import { CheckInputSchema } from '../../pipeline/schemas/problem.ts';
import { LAYERS, REJECTION_REASONS } from '../../pipeline/schemas/verdict.ts';

/**
 * The golden corpus (test/fixtures/cases/): every case states the verdict kind, reason and layer
 * that any ProofChecker must reach. Run against each runner and sandbox, and against real Lean.
 */
export const CheckerCaseSchema = z.object({
  description: z.string(),
  exploit_class: z.number().int().nullable(),
  policy: z.enum(['strict', 'standard']),
  input: CheckInputSchema,
  expected: z.object({
    kind: z.enum(['accepted', 'rejected']),
    reason: z.enum(REJECTION_REASONS).nullable(),
    layer: z.enum(LAYERS),
  }),
});
export type CheckerCase = z.infer<typeof CheckerCaseSchema> & { file: string };

export const CASES_DIR = new URL('../fixtures/cases/', import.meta.url).pathname;

export function loadCheckerCases(dir = CASES_DIR): CheckerCase[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) files.push(path);
    }
  };
  walk(dir);
  return files.map((file) => ({ ...CheckerCaseSchema.parse(JSON.parse(readFileSync(file, 'utf8'))), file: relative(dir, file) }));
}

/**
 * Registers one test per case. `openChecker(policy)` builds the implementation under test; the
 * suite compares kind, reason and layer exactly (an accept confirmed by L3 must say L3).
 */
export function defineProofCheckerContract(
  name: string,
  openChecker: (policy: 'strict' | 'standard') => Promise<{ checker: ProofChecker; close: () => Promise<void> }>,
  options: { cases?: CheckerCase[]; filter?: (c: CheckerCase) => boolean } = {},
): void {
  const cases = (options.cases ?? loadCheckerCases()).filter(options.filter ?? (() => true));
  describe(name, () => {
    const open: Partial<Record<'strict' | 'standard', { checker: ProofChecker; close: () => Promise<void> }>> = {};
    beforeAll(async () => {
      open.strict = await openChecker('strict');
      open.standard = await openChecker('standard');
    });
    afterAll(async () => {
      await open.strict?.close();
      await open.standard?.close();
    });
    it('has cases to run', () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    for (const testCase of cases) {
      const { kind, reason, layer } = testCase.expected;
      it(`${testCase.file}: ${kind}${reason ? `/${reason}` : ''} at ${layer} — ${testCase.description}`, async () => {
        const verdict = await open[testCase.policy]!.checker.check(testCase.input);
        expect({ kind: verdict.kind, reason: verdict.reason, layer: verdict.layer }, verdict.detail).toEqual(testCase.expected);
      });
    }
  });
}
