/**
 * Rebuilds the evaluation-set fingerprints in this folder from the shared problem snapshots:
 *   npx node datasets/eval-sets/build-eval-sets.ts [/work/shared/data/problems]
 * One line per problem: id, source, split, sha256 of the normalised statement (statement-v1, see
 * pipeline/build/statement-fingerprint.ts). Only statements' hashes are kept: no problem text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATEMENT_NORMALIZATION, statementHash } from '../../pipeline/build/statement-fingerprint.ts';

/** Output set name → snapshot file. Training sets (lean_workbook) and derived copies (core-lean) are not eval sets. */
export const EVAL_SET_FILES: Record<string, string> = {
  'minif2f-deepseek': 'minif2f.jsonl',
  'minif2f-lean4-v4.24': 'minif2f_lean4_v4.24.jsonl',
  'proofnet': 'proofnet.jsonl',
  'putnambench': 'putnambench.jsonl',
  'combibench': 'combibench.jsonl',
  'matholympiadbench': 'matholympiadbench.jsonl',
  'formalmath-lite': 'formalmath_lite.jsonl',
};

const sourceDir = process.argv[2] ?? '/work/shared/data/problems';
const outDir = dirname(fileURLToPath(import.meta.url));
for (const [set, file] of Object.entries(EVAL_SET_FILES)) {
  const lines = readFileSync(join(sourceDir, file), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const rows = lines.map((line) => {
    const p = JSON.parse(line) as { id: string; source: string; split: string; formal_statement: string };
    return JSON.stringify({ id: p.id, source: p.source, split: p.split, statement_sha256: statementHash(p.formal_statement), normalization: STATEMENT_NORMALIZATION });
  });
  writeFileSync(join(outDir, `${set}.jsonl`), rows.join('\n') + '\n');
  console.log(`${set}: ${rows.length} fingerprints from ${file}`);
}
