import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import type { HeldOut } from '../schemas/canonical-record.ts';
import { STATEMENT_NORMALIZATION, statementHash } from './statement-fingerprint.ts';

/**
 * Evaluation sets and their splits, by a problem's own `source` field (lower-cased): a problem from
 * one of these is an evaluation problem whatever its statement. Both miniF2F splits are held out
 * (valid is used for model selection), both ProofNet splits likewise; single-split benchmarks
 * publish everything as `test`. Other sources (`tpil4`, `original`, `lean-workbook`) are not
 * evaluation sets even when their file calls the split `test`.
 */
export const DEFAULT_EVAL_SPLITS: Readonly<Record<string, readonly string[]>> = {
  'minif2f': ['valid', 'validation', 'test'],
  'minif2f-lean4 (yangky11)': ['valid', 'validation', 'test'],
  'proofnet': ['valid', 'validation', 'test'],
  'proofnet-lean4': ['valid', 'validation', 'test'],
  'putnambench': ['test'],
  'combibench': ['test'],
  'matholympiadbench': ['test'],
  'formalmath-lite': ['test'],
};

/** One line of datasets/eval-sets/<set>.jsonl. */
export const EvalFingerprintSchema = z.object({
  id: z.string().min(1),
  source: z.string(),
  split: z.string(),
  statement_sha256: z.string().regex(/^[0-9a-f]{64}$/u),
  normalization: z.literal(STATEMENT_NORMALIZATION),
});
export type EvalFingerprint = z.infer<typeof EvalFingerprintSchema> & { set: string };

export interface DecontaminationOptions {
  /** false = keep evaluation problems in training exports (the config said so explicitly). */
  hold_out_eval_sets: boolean;
  evalSplits?: Readonly<Record<string, readonly string[]>>;
}

/** Statement hashes of every evaluation problem we know, for exact-match lookups. */
export class EvalIndex {
  private readonly byHash = new Map<string, EvalFingerprint>();

  constructor(fingerprints: Iterable<EvalFingerprint>) {
    for (const f of fingerprints) if (!this.byHash.has(f.statement_sha256)) this.byHash.set(f.statement_sha256, f);
  }

  get size(): number {
    return this.byHash.size;
  }

  match(hash: string): EvalFingerprint | null {
    return this.byHash.get(hash) ?? null;
  }
}

/** Parses one eval-set file; a line that is not a current fingerprint is a CONFIG_INVALID error. */
export function parseEvalSet(set: string, jsonl: string): EvalFingerprint[] {
  const out: EvalFingerprint[] = [];
  for (const [index, line] of jsonl.split('\n').entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const result = EvalFingerprintSchema.safeParse(parsed);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `\`${i.path.join('.') || '(line)'}\`: ${i.message}`).join('; ');
      throw new ProoflineError('CONFIG_INVALID', `Eval set ${set}:${index + 1}: expected a ${STATEMENT_NORMALIZATION} fingerprint line, got ${issues} (rebuild with datasets/eval-sets/build-eval-sets.ts)`);
    }
    out.push({ ...result.data, set });
  }
  return out;
}

/** Every `<set>.jsonl` in a directory (datasets/eval-sets/), the set named after the file. */
export function loadEvalIndex(dir: string): EvalIndex {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  return new EvalIndex(files.flatMap((f) => parseEvalSet(f.slice(0, -'.jsonl'.length), readFileSync(join(dir, f), 'utf8'))));
}

export interface ProblemIdentity {
  id: string;
  source?: string | undefined;
  split?: string | undefined;
  formal_statement: string;
}

/**
 * Whether a problem stays out of training exports, and why: its own source/split marks it as an
 * evaluation problem (`eval_split`), or its normalised statement equals one in an evaluation set
 * under any id or source (`eval_statement_match`). null = it may be trained on. `hash`: the
 * problem's statementHash when the caller has it already.
 */
export function decideHoldout(problem: ProblemIdentity, index: EvalIndex, options: DecontaminationOptions, hash?: string): HeldOut | null {
  if (!options.hold_out_eval_sets) return null;
  const source = problem.source?.trim().toLowerCase();
  const split = problem.split?.trim().toLowerCase();
  const splits = source === undefined ? undefined : (options.evalSplits ?? DEFAULT_EVAL_SPLITS)[source];
  if (splits !== undefined && split !== undefined && splits.includes(split)) {
    return { reason: 'eval_split', detail: `source ${problem.source} split ${problem.split} is an evaluation split` };
  }
  const match = index.match(hash ?? statementHash(problem.formal_statement));
  if (match !== null) {
    return { reason: 'eval_statement_match', detail: `statement equals ${match.set}/${match.id} (${match.split}) after ${STATEMENT_NORMALIZATION} normalisation` };
  }
  return null;
}
