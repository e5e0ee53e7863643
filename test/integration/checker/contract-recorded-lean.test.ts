import { defineProofCheckerContract } from '../../contract/proof-checker.cases.ts';
import { openRecordedLeanChecker } from '../../helpers/recorded-lean-checker.ts';

// The same golden corpus through both runners, under the default bwrap sandbox and under `none`.
for (const runner of ['repl', 'cli'] as const) {
  for (const sandbox of ['bwrap', 'none'] as const) {
    defineProofCheckerContract(`ProofChecker contract (runner ${runner}, sandbox ${sandbox}, recorded Lean)`, (policy) =>
      openRecordedLeanChecker({ runner, sandbox, policy }),
    );
  }
}
