import { JOB_SCHEMA, PART_SCHEMA, type CandidatePart, type CheckJobPayload } from '../../../pipeline/cluster/job-payloads.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Problem } from '../../../pipeline/schemas/problem.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';

export const CONFIG_HASH = 'c'.repeat(64);

export const problem: Problem = { id: 'mathd_algebra_10', header: 'import Mathlib', formal_statement: 'theorem t : 1 + 1 = 2 := by sorry' };

export function completion(sampleIndex: number, problemId = problem.id): CompletionRecord {
  return {
    problem_id: problemId, sample_index: sampleIndex, sampler: 'replay', model: 'recorded', prompt_version: 'v1',
    request_hash: String(sampleIndex % 10).repeat(64), seed: null, text: `\`\`\`lean4\nby norm_num\n\`\`\``, reasoning: null, reasoning_source: null,
    reasoning_redacted: false, proof: 'by norm_num', auxiliary: null, proof_source: 'fence', no_proof: null, stop_reason: 'recorded', truncated: false,
    usage: { input_tokens: 10, output_tokens: 20 }, latency_ms: 0, cached: false,
  };
}

export function verdict(kind: 'accepted' | 'rejected' = 'accepted'): Verdict {
  return {
    kind, reason: kind === 'accepted' ? null : 'lean_error', detail: 'Lean said so', layer: 'L2', axioms: kind === 'accepted' ? ['propext'] : null, messages: [],
    elapsed_ms: 12, cached: false, timings: { l2_ms: 12 },
    provenance: { checker_version: '0.2.0', toolchain: '4.33.0', mathlib_rev: null, policy: { name: 'strict', version: '2' }, budget: { timeout_ms: 60_000, memory_limit_mb: 8192 }, runner: 'repl', sandbox: 'bwrap', confirmed: true, l4_audited: false },
  };
}

export function checkJob(from: number, to: number): CheckJobPayload {
  return {
    schema: JOB_SCHEMA, run_id: 'nightly-20261201-abc', config_hash: CONFIG_HASH, problem_seq: 12, problem,
    samples: { from, to }, completions: Array.from({ length: to - from }, (_, i) => completion(from + i)),
  };
}

export function candidatePart(from: number, to: number): CandidatePart {
  return {
    schema: PART_SCHEMA, run_id: 'nightly-20261201-abc', config_hash: CONFIG_HASH, problem_seq: 12, problem_id: problem.id, samples: { from, to },
    candidates: Array.from({ length: to - from }, (_, i) => ({
      sample_index: from + i, completion: completion(from + i),
      outcome: i === 1 ? { kind: 'error' as const, error: { code: 'LEAN_CRASHED' as const, message: 'died', retryable: true } } : { kind: 'verdict' as const, verdict: verdict(i === 0 ? 'accepted' : 'rejected') },
    })),
  };
}
