import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { lintInput } from '../../../pipeline/lean/lint.ts';
import { STANDARD_POLICY, STRICT_POLICY } from '../../../pipeline/lean/policy.ts';

/** Real completions (test/fixtures/attempts/README.md): how each shape is extracted and linted. */
interface SampleRow {
  sample_reason: string;
  problem_id: string;
  verified: boolean;
  header: string;
  formal_statement: string;
  candidate: string;
  reasoning?: string;
}

const rows: SampleRow[] = readFileSync(fileURLToPath(new URL('../../fixtures/attempts/sample.jsonl', import.meta.url)), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as SampleRow);

const outcome = (o: ReturnType<typeof lintInput>) => (o.kind === 'unchecked' ? 'unchecked' : `${o.reason}/${o.layer}`);

// [sample_reason, extraction source/fence, standard outcome, strict outcome]
const EXPECTED: Array<[string, string, string, string]> = [
    ["whole file with the statement repeated (shortest)", "statement_repeated/none", "unchecked", "unchecked"],
    ["whole file whose proof carries /- -/ reasoning comments", "statement_repeated/none", "unchecked", "unchecked"],
    ["LeanDojo tactic sequence, flush-left lines", "body_only/none", "unchecked", "unchecked"],
    ["failed search: empty candidate", "no_proof", "no_proof/L0", "no_proof/L0"],
    ["full completion: <think> reasoning + final ```lean4 block", "statement_repeated/lean_block", "unchecked", "unchecked"],
    ["verified proof that uses native_decide", "statement_repeated/none", "banned_construct/L1", "banned_construct/L1"],
    ["auxiliary lemma before the theorem", "statement_repeated/none", "banned_construct/L1", "banned_construct/L0"],
    ["reordered `open` line that the header already has", "statement_repeated/none", "unchecked", "unchecked"],
    ["Goedel-Prover file with NL comment (verified)", "statement_repeated/none", "unchecked", "unchecked"],
    ["server timeout (verified false)", "statement_repeated/none", "unchecked", "unchecked"],
    ["Goedel-SFT body ending with a closing fence (verified)", "body_only/before_closing_fence", "unchecked", "unchecked"],
    ["completion that starts by closing the prompt's doc comment (-/)", "statement_repeated/before_closing_fence", "unchecked", "unchecked"],
    ["Kimina-Distill body, prose, ```tactics drafts, final ```lean4 block", "statement_repeated/lean_block", "unchecked", "unchecked"],
    ["final block labelled ```lean", "statement_repeated/lean_block", "unchecked", "unchecked"],
    ["truncated: unterminated ```lean4 block", "statement_repeated/unterminated_block", "unchecked", "unchecked"],
    ["body, prose, then a stray closing fence", "body_only/before_closing_fence", "unchecked", "unchecked"],
    ["DeepSeek-V2-7B body without fence (verified)", "body_only/none", "unchecked", "unchecked"],
    ["body followed by a repeated theorem (rejected by L1 as a command after the proof)", "body_only/none", "banned_construct/L1", "banned_construct/L1"],
    ["only a ```lean3 block after the body", "body_only/before_closing_fence", "unchecked", "unchecked"],
    ["no_proof: only ```tactics blocks", "no_proof", "no_proof/L0", "no_proof/L0"],
    ["no_proof: comments only", "no_proof", "no_proof/L0", "no_proof/L0"],
    ["no_proof: renamed theorem", "no_proof", "no_proof/L0", "no_proof/L0"],
    ["Kimina-Distill verified proof that uses native_decide", "body_only/before_closing_fence", "banned_construct/L1", "banned_construct/L1"],
];

describe('real completions from five provers', () => {
  it('covers every fixture row with an expectation', () => {
    expect(rows.map((r) => r.sample_reason).sort()).toEqual(EXPECTED.map(([reason]) => reason).sort());
  });

  it.each(EXPECTED)('%s → %s, standard %s, strict %s', (reason, extraction, standard, strict) => {
    const row = rows.find((r) => r.sample_reason === reason) as SampleRow;
    const completion = row.reasoning ?? row.candidate;
    const extracted = extractProof(completion, row.formal_statement, row.header);
    expect(extracted.ok ? `${extracted.source}/${extracted.fence}` : 'no_proof').toBe(extraction);
    const input = { id: row.problem_id, header: row.header, formal_statement: row.formal_statement, completion };
    expect(outcome(lintInput(input, STANDARD_POLICY))).toBe(standard);
    expect(outcome(lintInput(input, STRICT_POLICY))).toBe(strict);
  });

  it('extracts the same proof from a Kimina candidate and from its full <think> completion', () => {
    const row = rows.find((r) => r.reasoning !== undefined) as SampleRow;
    const fromCandidate = extractProof(row.candidate, row.formal_statement, row.header);
    const fromCompletion = extractProof(row.reasoning as string, row.formal_statement, row.header);
    expect(fromCompletion).toMatchObject({ ok: true, proof: fromCandidate.ok ? fromCandidate.proof : '<none>' });
    expect(fromCompletion.reasoning?.length ?? 0).toBeGreaterThan(100);
  });

  it('rejects the verified native_decide proofs by the native_decide token only', () => {
    for (const row of rows.filter((r) => r.verified && r.sample_reason.includes('native_decide'))) {
      const o = lintInput({ id: row.problem_id, header: row.header, formal_statement: row.formal_statement, completion: row.candidate }, STANDARD_POLICY);
      expect(o.detail).toMatch(/^banned construct `native_decide` at line \d+, column \d+ of the (proof|auxiliary text)/u);
    }
  });
});
