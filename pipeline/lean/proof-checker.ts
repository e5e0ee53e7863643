import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { LeanConfig } from '../config.ts';
import { ProoflineError } from '../errors.ts';
import { extractProof } from '../extract/extract-proof.ts';
import type { Layer, RejectionReason, Verdict, VerdictProvenance } from '../schemas/verdict.ts';
import { assembleCandidate } from './assemble.ts';
import { confirmAccept } from './confirm.ts';
import { ConstructLog } from './construct-log.ts';
import { decideElaboration, type Decision } from './decide-verdict.ts';
import type { AssembledCandidate, ElaborationRunner } from './elaboration.ts';
import { lintCandidate } from './lint.ts';
import { policyDigest } from './policy-digest.ts';
import { policyId, type Policy } from './policy.ts';
import type { SandboxDriver } from './sandbox/sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';
import { VerdictCache, type VerdictStore } from './verdict-cache.ts';

/** Bumped whenever a change could turn a verdict around; part of every cache key and verdict. */
export const CHECKER_VERSION = '0.2.0';

export interface CheckRequest {
  header: string;
  formal_statement: string;
  /** Raw model output or Lean code: untrusted. */
  completion: string;
}

/** The contract every checker honours: a Verdict for a rejected or accepted proof, a thrown ProoflineError for a broken machine. */
export interface ProofChecker {
  check(request: CheckRequest): Promise<Verdict>;
  close(): Promise<void>;
  readonly stats: ProofCheckerStats;
  /** L4 drift log: constructs used by accepted proofs (cache hits count once, at their first check). */
  readonly constructs: ConstructLog;
}

export interface ProofCheckerStats {
  checks: number;
  cacheHits: number;
  leanInvocations: number;
  retries: number;
  errors: number;
}

export interface ProofCheckerDeps {
  toolchain: Toolchain;
  driver: SandboxDriver;
  policy: Policy;
  runner: ElaborationRunner;
  tmpRoot: string;
  logger?: Logger | undefined;
  /** A verdict cache shared with other checkers (default: a private one of `cache.max_entries`). */
  cache?: VerdictStore | undefined;
}

/**
 * The layered checker. L0 assembly and L1 lexical gate reject cheaply without Lean; L2 elaborates
 * in the sandbox (REPL pool or CLI); L3 confirms accepts in fresh processes with kernel replay and
 * the out-of-band statement/axiom audit. Rejections from L0-L2 are final; only accepts pay for L3.
 */
export function createProofChecker(config: LeanConfig, deps: ProofCheckerDeps): ProofChecker {
  const cache = deps.cache ?? new VerdictCache(config.cache.max_entries);
  const constructs = new ConstructLog();
  const queue = new PQueue({ concurrency: config.pool.size });
  const stats: ProofCheckerStats = { checks: 0, cacheHits: 0, leanInvocations: 0, retries: 0, errors: 0 };
  const budget = { timeoutMs: config.timeout_ms, memoryLimitMb: config.memory_limit_mb };
  // The policy's CONTENT, not its name@version: a policy file edited in place must not reuse verdicts.
  // Hashed once: the checker's policy does not change during its life.
  const digest = policyDigest(deps.policy);
  const provenance = (confirmed: boolean, runner: VerdictProvenance['runner'], l4Audited = false): VerdictProvenance => ({
    checker_version: CHECKER_VERSION,
    toolchain: deps.toolchain.leanVersion,
    mathlib_rev: deps.toolchain.mathlibRev,
    policy: { name: deps.policy.name, version: deps.policy.version },
    budget: { timeout_ms: budget.timeoutMs, memory_limit_mb: budget.memoryLimitMb },
    runner,
    sandbox: deps.driver.name,
    confirmed,
    l4_audited: l4Audited,
  });
  let isClosed = false;

  async function withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n += 1) {
      try {
        return await attempt();
      } catch (caught) {
        // Anything that is not already coded (ENOSPC in a temp dir, a bug) is still a machine failure.
        const error = caught instanceof ProoflineError ? caught : new ProoflineError('CHECKER_INTERNAL', `Unexpected failure in ${what}: ${(caught as Error)?.message ?? String(caught)}`, { cause: caught });
        if (!error.retryable || n >= config.max_attempts) {
          stats.errors += 1;
          error.details.attempts = n;
          throw error;
        }
        stats.retries += 1;
        deps.logger?.warn({ code: error.code, attempt: n, what, err: error }, 'retrying after infrastructure failure');
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (n - 1)));
      }
    }
  }

  async function runLean(candidate: AssembledCandidate, statement: string, timings: Record<string, number>, isSampledForL4: boolean): Promise<{ decision: Decision; confirmed: boolean; l4Audited: boolean; messages: Verdict['messages'] }> {
    const l2Start = performance.now();
    const elaborated = await withRetries('L2', () => {
      stats.leanInvocations += 1;
      return deps.runner.elaborate(candidate, budget);
    });
    timings.l2_ms = performance.now() - l2Start;
    const decision = decideElaboration(elaborated, candidate.target, deps.policy.allowed_axioms);
    const messages = elaborated.messages;
    if (decision.kind === 'rejected' || !config.confirm) return { decision, confirmed: false, l4Audited: false, messages };
    const l3Start = performance.now();
    const independentKernel = isSampledForL4 ? config.l4.kernel_command : null;
    const rejection = await withRetries('L3', () =>
      confirmAccept(candidate, statement, budget, {
        toolchain: deps.toolchain, driver: deps.driver, tmpRoot: deps.tmpRoot, allowedAxioms: deps.policy.allowed_axioms, extraEnv: config.env, independentKernel,
        infraTimeoutMs: config.header_timeout_ms,
      }),
    );
    timings.l3_ms = performance.now() - l3Start;
    const l4Audited = rejection === null && independentKernel !== null;
    const confirmed = rejection ?? {
      ...decision,
      layer: l4Audited ? ('L4' as const) : ('L3' as const),
      detail: `${decision.detail}; confirmed by a fresh compile, kernel replay and the statement audit${l4Audited ? ', and re-checked by the independent kernel (L4)' : ''}`,
    };
    return { decision: confirmed, confirmed: rejection === null, l4Audited, messages };
  }

  async function checkUncached(request: CheckRequest, started: number, timings: Record<string, number>, prepared: Prepared): Promise<Verdict> {
    if (prepared.kind === 'rejected') return prepared.verdict;
    const { decision, confirmed, l4Audited, messages } = await queue.add(() => runLean(prepared.candidate, request.formal_statement, timings, isSampled(prepared.cacheKey)));
    if (decision.kind === 'accepted') constructs.recordConstructs(prepared.constructs);
    return {
      kind: decision.kind,
      reason: decision.reason,
      detail: decision.detail,
      layer: decision.layer,
      axioms: decision.axioms,
      messages,
      elapsed_ms: Math.round(performance.now() - started),
      cached: false,
      timings: roundTimings(timings),
      provenance: provenance(confirmed, deps.runner.name, l4Audited),
    };
  }

  /** L4 sampling by content hash: deterministic, so a rerun audits the same candidates. */
  function isSampled(cacheKey: string): boolean {
    if (config.l4.kernel_command === null || config.l4.sample_rate <= 0) return false;
    return Number.parseInt(cacheKey.slice(0, 8), 16) / 0x1_0000_0000 < config.l4.sample_rate;
  }

  /** `constructs`: the model text's identifiers and `#` commands, collected by L1 for the drift log. */
  type Prepared = { kind: 'candidate'; candidate: AssembledCandidate; cacheKey: string; constructs: Set<string> } | { kind: 'rejected'; verdict: Verdict; cacheKey: string };

  function prepare(request: CheckRequest, started: number, timings: Record<string, number>): Prepared {
    const rejectEarly = (reason: RejectionReason, layer: Layer, detail: string, cacheKey: string): Prepared => ({
      kind: 'rejected',
      cacheKey,
      verdict: {
        kind: 'rejected', reason, detail, layer, axioms: null, messages: [],
        elapsed_ms: Math.round(performance.now() - started), cached: false, timings: roundTimings(timings),
        provenance: provenance(false, 'none'),
      },
    });
    const l0Start = performance.now();
    const extracted = extractProof(request.completion, request.formal_statement, request.header);
    const keyBase = [CHECKER_VERSION, deps.toolchain.leanVersion, deps.toolchain.mathlibRev, digest, budget.timeoutMs, budget.memoryLimitMb, config.confirm, request.header, request.formal_statement];
    if (!extracted.ok) {
      timings.l0_ms = performance.now() - l0Start;
      return rejectEarly('no_proof', 'L0', extracted.detail, VerdictCache.key([...keyBase, 'no_proof', request.completion]));
    }
    // Everything that shapes what Lean sees: the preamble (restated `open`/`set_option` lines, applied
    // with `in`), auxiliary code, whether the proof follows `:=` or is a list of equations, the proof.
    const cacheKey = VerdictCache.key([...keyBase, extracted.preamble, extracted.auxiliary, extracted.form, extracted.proof]);
    if (extracted.auxiliary.trim() !== '' && !deps.policy.allow_auxiliary) {
      timings.l0_ms = performance.now() - l0Start;
      return rejectEarly('banned_construct', 'L0', `Policy ${policyId(deps.policy)} allows only a proof body, but the completion declares auxiliary code before the theorem`, cacheKey);
    }
    const candidate = assembleCandidate(request, extracted);
    timings.l0_ms = performance.now() - l0Start;
    const l1Start = performance.now();
    const modelConstructs = new Set<string>();
    const lint = lintCandidate({ preamble: extracted.preamble, auxiliary: extracted.auxiliary, proof: extracted.proof }, deps.policy, modelConstructs);
    timings.l1_ms = performance.now() - l1Start;
    if (!lint.ok) return rejectEarly('banned_construct', 'L1', lint.detail, cacheKey);
    return { kind: 'candidate', candidate, cacheKey, constructs: modelConstructs };
  }

  return {
    stats,
    constructs,
    async check(request) {
      if (isClosed) throw new ProoflineError('CHECKER_CLOSED', 'check() called after close()');
      stats.checks += 1;
      const started = performance.now();
      const timings: Record<string, number> = {};
      const prepared = prepare(request, started, timings);
      if (!config.cache.enabled) return checkUncached(request, started, timings, prepared);
      const verdict = await cache.getOrCheck(prepared.cacheKey, () => checkUncached(request, started, timings, prepared));
      if (verdict.cached) stats.cacheHits += 1;
      return verdict.cached ? { ...verdict, elapsed_ms: Math.round(performance.now() - started) } : verdict;
    },
    async close() {
      isClosed = true;
      await queue.onIdle();
      await deps.runner.close();
    },
  };
}

function roundTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}
