import type { ProofChecker } from '../lean/proof-checker.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Problem } from '../schemas/problem.ts';
import type { Verdict } from '../schemas/verdict.ts';
import type { Stage } from './stage.ts';

export interface CheckJob {
  problem: Problem;
  completion: CompletionRecord;
}

/**
 * Check stage: the trusted header and statement from the problem, the model's raw text from the
 * completion (the checker does its own extraction and assembly; the completion's `proof` field is
 * informational). A verdict comes back for every proof, rejected ones included; an infrastructure
 * failure is thrown (after the checker's own retries) and must never be recorded as a rejection.
 */
export function createCheckStage(checker: ProofChecker): Stage<CheckJob, Verdict> {
  return {
    name: 'check',
    run({ problem, completion }) {
      return checker.check({ header: problem.header, formal_statement: problem.formal_statement, completion: completion.text });
    },
  };
}
