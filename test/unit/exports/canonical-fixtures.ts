import { statementHash, sha256Hex } from '../../../pipeline/build/statement-fingerprint.ts';
import { type CanonicalRecord, CanonicalRecordSchema, canonicalRecordId } from '../../../pipeline/schemas/canonical-record.ts';
import type { RejectionReason } from '../../../pipeline/schemas/verdict.ts';

export const STATEMENT = 'theorem t (n : Nat) (h : n = 2) : n + n = 4 := by sorry';

const provenance = {
  checker_version: '0.1.0', toolchain: '4.33.0', mathlib_rev: null, policy: { name: 'strict', version: '1' },
  budget: { timeout_ms: 60000, memory_limit_mb: 8192 }, runner: 'repl' as const, sandbox: 'bwrap', confirmed: true, l4_audited: false,
};

export type Outcome = { accepted: true } | { rejected: RejectionReason } | { error: 'LEAN_CRASHED' | 'CHECKER_INTERNAL' };

export interface RecordSpec {
  problem?: string;
  index: number;
  outcome: Outcome;
  proof?: string | null;
  reasoning?: string | null;
  redacted?: boolean;
  truncated?: boolean;
  cached?: boolean;
  split?: string;
  heldOut?: CanonicalRecord['held_out'];
  statement?: string;
}

/** A schema-valid canonical record; the Lean file is header + statement + proof, as L0 builds it. */
export function makeRecord(spec: RecordSpec): CanonicalRecord {
  const problem = spec.problem ?? 'p1';
  const statement = spec.statement ?? STATEMENT;
  const proof = spec.proof === undefined ? `by subst h; rfl -- try ${spec.index}` : spec.proof;
  const text = proof === null ? 'I could not do it.' : `Some thoughts.\n\`\`\`lean4\ntheorem t (n : Nat) (h : n = 2) : n + n = 5 := ${proof}\n\`\`\``;
  const leanFile = proof === null ? null : `${statement.replace(/\s*:=\s*by\s+sorry\s*$/u, '')} := ${proof}`;
  const outcome = spec.outcome;
  const verdict = 'error' in outcome ? null : {
    kind: 'accepted' in outcome ? ('accepted' as const) : ('rejected' as const),
    reason: 'accepted' in outcome ? null : outcome.rejected,
    detail: 'fixture', layer: 'accepted' in outcome ? ('L3' as const) : ('L2' as const), axioms: [], messages: [],
    elapsed_ms: 10 + spec.index, cached: false, timings: {}, provenance,
  };
  return CanonicalRecordSchema.parse({
    id: canonicalRecordId(problem, spec.index), problem_id: problem, sample_index: spec.index,
    split: spec.split ?? 'train', held_out: spec.heldOut ?? null, dataset: 'fixture', source: 'original',
    informal_statement: 'Show that n + n = 4 when n = 2.', header: '', formal_statement: statement,
    prompt: { version: 'lean4-proof-v1', system: 'You are a Lean 4 expert.', user: `Prove:\n\`\`\`lean4\n${statement}\n\`\`\`` },
    completion: {
      sampler: 'replay', model: 'm1', prompt_version: 'lean4-proof-v1', request_hash: sha256Hex(`${problem}/${spec.index}`), seed: null,
      text, reasoning: spec.reasoning === undefined ? `Reason ${spec.index}` : spec.reasoning, reasoning_source: 'api',
      reasoning_redacted: spec.redacted ?? false, proof, auxiliary: null, proof_source: proof === null ? null : 'fence',
      no_proof: proof === null ? { reason: 'no_proof', detail: 'no Lean block' } : null,
      stop_reason: spec.truncated ? 'max_tokens' : 'end_turn', truncated: spec.truncated ?? false,
      usage: { input_tokens: 100, output_tokens: 50 + spec.index }, latency_ms: 1000, cached: spec.cached ?? false,
    },
    lean_file: leanFile,
    verdict,
    error: 'error' in outcome ? { code: outcome.error, message: 'Lean died', retryable: true } : null,
    hashes: { statement: statementHash(statement), proof: leanFile === null ? null : sha256Hex(leanFile), completion: sha256Hex(text) },
    run: { run_id: 'run-1', config_hash: 'cfg' },
  });
}
