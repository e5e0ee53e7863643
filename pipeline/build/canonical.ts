import { extractProof } from '../extract/extract-proof.ts';
import { assembleCandidate } from '../lean/assemble.ts';
import { renderPrompt, type PromptTemplate } from '../sample/prompt.ts';
import { type CanonicalRecord, canonicalRecordId, type CheckError } from '../schemas/canonical-record.ts';
import type { CompletionRecord } from '../schemas/completion.ts';
import type { Problem } from '../schemas/problem.ts';
import type { Verdict } from '../schemas/verdict.ts';
import { sha256Hex, statementHash } from './statement-fingerprint.ts';
import type { HeldOut } from '../schemas/canonical-record.ts';

export interface ProblemPlacement {
  split: string;
  heldOut: HeldOut | null;
}

export interface RunIdentity {
  runId: string;
  configHash: string;
  dataset: string;
}

/**
 * The canonical record of one candidate: the problem, the completion as sampled, and the checker's
 * verdict or — when the checker failed for infrastructure reasons — its error (never a rejection).
 * `lean_file` is the file the checker assembled (L0) from the trusted header and statement and the
 * model's proof, so exports train on exactly what Lean verified.
 */
export function toCanonicalRecord(
  problem: Problem,
  completion: CompletionRecord,
  outcome: { verdict: Verdict } | { error: CheckError },
  context: { template: PromptTemplate; placement: ProblemPlacement; run: RunIdentity; shared?: ProblemShared },
): CanonicalRecord {
  const { problem_id: _problemId, sample_index: sampleIndex, ...sampled } = completion;
  const leanFile = assembledFile(problem, completion.text);
  const { prompt, statementHash: statement } = context.shared ?? problemShared(problem, context.template);
  const verdict = 'verdict' in outcome ? outcome.verdict : null;
  return {
    id: canonicalRecordId(problem.id, sampleIndex),
    problem_id: problem.id,
    sample_index: sampleIndex,
    split: context.placement.split,
    held_out: context.placement.heldOut,
    dataset: context.run.dataset,
    source: problem.source ?? null,
    informal_statement: problem.informal_statement ?? null,
    header: problem.header,
    formal_statement: problem.formal_statement,
    prompt: { version: prompt.version, system: prompt.system, user: prompt.user },
    completion: sampled,
    lean_file: leanFile,
    verdict: verdict === null ? null : ({ ...verdict, kind: verdict.kind === 'accepted' ? 'accepted' : 'rejected' } as CanonicalRecord['verdict']),
    error: 'error' in outcome ? outcome.error : null,
    hashes: { statement, proof: leanFile === null ? null : sha256Hex(leanFile), completion: sha256Hex(completion.text) },
    run: { run_id: context.run.runId, config_hash: context.run.configHash },
  };
}

/** What every candidate of a problem shares: computed once per problem, not once per candidate. */
export interface ProblemShared {
  prompt: { version: string; system: string; user: string };
  statementHash: string;
}

export function problemShared(problem: Problem, template: PromptTemplate, hash?: string): ProblemShared {
  const prompt = renderPrompt(template, problem);
  return { prompt: { version: prompt.version, system: prompt.system, user: prompt.user }, statementHash: hash ?? statementHash(problem.formal_statement) };
}

/** The file L0 assembles for this completion, or null when L0 finds no proof in it. */
function assembledFile(problem: Problem, text: string): string | null {
  const extracted = extractProof(text, problem.formal_statement, problem.header);
  return extracted.ok ? assembleCandidate(problem, extracted).text : null;
}
