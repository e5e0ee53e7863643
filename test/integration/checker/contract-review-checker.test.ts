import { defineProofCheckerContract, loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker } from '../../helpers/recorded-lean-checker.ts';
import { REVIEW_CHECKER } from '../../fixtures/cases/source/review-checker.ts';

// The checker review's golden cases (#6) alone, through both runners under bwrap: a quick run while
// the whole corpus (contract-recorded-lean.test.ts) takes minutes.
const names = new Set(REVIEW_CHECKER.map((c) => `${c.group}/${c.name}.json`));
const cases = loadCheckerCases().filter((c) => names.has(c.file));
for (const runner of ['repl', 'cli'] as const) {
  defineProofCheckerContract(`ProofChecker contract, checker review cases (runner ${runner}, recorded Lean)`, (policy) => openRecordedLeanChecker({ runner, sandbox: 'bwrap', policy }), { cases });
}
