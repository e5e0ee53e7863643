import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../pipeline/config.ts';
import { ProoflineError } from '../../../pipeline/errors.ts';
import type { CheckRequest, ProofChecker } from '../../../pipeline/lean/proof-checker.ts';
import { loadPolicy } from '../../../pipeline/lean/policy.ts';
import { verdictContext } from '../../../pipeline/serve/open-reward-service.ts';
import { ProblemRegistry } from '../../../pipeline/serve/problem-registry.ts';
import type { VerifyItem } from '../../../pipeline/serve/reward-contract.ts';
import { createCheckerRewardService } from '../../../pipeline/serve/reward-service.ts';
import { ServeConfigSchema } from '../../../pipeline/serve/serve-config.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';
import { createRewardApp } from '../../../workers/reward-app.ts';

/**
 * The reward service over a scripted ProofChecker (no Lean, no processes): admission bounds, the
 * service's own retries, the remembered-verdict front cache and what it keys on.
 */
const STATEMENT = 'theorem t : True := by sorry';

function verdictFor(request: CheckRequest): Verdict {
  const isValid = request.completion.includes('trivial');
  return {
    kind: isValid ? 'accepted' : 'rejected',
    reason: isValid ? null : 'lean_error',
    detail: isValid ? 'Lean accepted `t`' : 'Lean reported 1 error',
    layer: 'L2',
    axioms: isValid ? [] : null,
    messages: isValid ? [] : [{ severity: 'error', line: 1, column: 2, end_line: 1, end_column: 5, data: 'unknown tactic' }],
    elapsed_ms: 40,
    cached: false,
    timings: { l2_ms: 40 },
    provenance: { checker_version: 't', toolchain: '4.33.0', mathlib_rev: null, policy: { name: 'strict', version: '2' }, budget: { timeout_ms: 1000, memory_limit_mb: 256 }, runner: 'repl', sandbox: 'none', confirmed: false, l4_audited: false },
  };
}

/** A checker whose checks wait until `release()` (when `isHeld`), or fail with the errors queued in `failures`. */
function scriptedChecker(options: { isHeld?: boolean } = {}) {
  const calls: CheckRequest[] = [];
  const failures: ProoflineError[] = [];
  const held: Array<() => void> = [];
  const checker: ProofChecker = {
    stats: { checks: 0, cacheHits: 0, leanInvocations: 0, retries: 0, errors: 0 },
    constructs: undefined as unknown as ProofChecker['constructs'],
    async check(request) {
      calls.push(request);
      if (options.isHeld === true) await new Promise<void>((resolve) => held.push(resolve));
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return verdictFor(request);
    },
    async close() {},
  };
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { checker, calls, failures, release };
}

function serviceOver(checker: ProofChecker, serve: Record<string, unknown> = {}) {
  return createCheckerRewardService(ServeConfigSchema.parse(serve), {
    checker,
    registry: new ProblemRegistry(),
    versions: { lean: '4.33.0', mathlib: null, checker: 't', policy: { name: 'strict', version: '2' } },
    concurrency: 2,
    maxRememberedVerdicts: 100,
    verdictContext: 'test-context',
  });
}

const item = (id: string, completion: string, extra: Partial<VerifyItem> = {}): VerifyItem => ({ id, formal_statement: STATEMENT, completion, ...extra });
const soon = (ms = 10_000) => Date.now() + ms;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('admission of items that wait on checks in flight (review of issue #8)', () => {
  const bounds = { limits: { max_items: 4 }, queue: { max_queued: 8, max_queued_per_client: 4, max_waiting_items: 6, max_waiting_items_per_client: 4 } };

  it('counts duplicates of a running check against the waiting-item bounds: 429 past them, admitted again once they are answered', async () => {
    const { checker, calls, release } = scriptedChecker({ isHeld: true });
    const service = serviceOver(checker, bounds);
    const dup = item('d', '```lean4\ntrivial\n```');
    const first = service.verify([dup, { ...dup, id: 'd2' }, { ...dup, id: 'd3' }, { ...dup, id: 'd4' }], { clientId: 'A', deadlineAtMs: soon() });
    await tick();
    expect(calls).toHaveLength(1);
    // Every item joins the check already running: no queue slot, but A already has 4 items waiting.
    await expect(service.verify([{ ...dup, id: 'more' }], { clientId: 'A', deadlineAtMs: soon() })).rejects.toMatchObject({ kind: 'overloaded', retryAfterS: expect.any(Number) });
    // Another client fits under the total bound (4 + 2 <= 6), and then nobody does.
    const other = service.verify([{ ...dup, id: 'b1' }, { ...dup, id: 'b2' }], { clientId: 'B', deadlineAtMs: soon() });
    await expect(service.verify([{ ...dup, id: 'c1' }], { clientId: 'C', deadlineAtMs: soon() })).rejects.toMatchObject({ kind: 'overloaded' });
    expect(service.waitingItems).toBe(6);
    release();
    expect((await first).map((r) => r.status)).toEqual(['valid', 'valid', 'valid', 'valid']);
    expect((await other).map((r) => r.status)).toEqual(['valid', 'valid']);
    expect(calls).toHaveLength(1);
    expect(service.waitingItems).toBe(0);
    // Answered: the bounds are free again (and the verdict is remembered, so this waits on nothing).
    expect(await service.verify([{ ...dup, id: 'again' }], { clientId: 'A', deadlineAtMs: soon() })).toMatchObject([{ id: 'again', status: 'valid', cached: true }]);
  });

  it('frees the waiting-item count of a request whose deadline passed', async () => {
    const { checker, release } = scriptedChecker({ isHeld: true });
    const service = serviceOver(checker, bounds);
    const items = ['a', 'b', 'c', 'd'].map((id) => item(id, `\`\`\`lean4\ntrivial -- ${id}\n\`\`\``));
    expect((await service.verify(items, { clientId: 'A', deadlineAtMs: Date.now() + 50 })).map((r) => r.status)).toEqual(Array(4).fill('deadline_exceeded'));
    // The two running checks go on; A's 4 waiting items are no longer counted.
    const next = service.verify([item('e', '```lean4\ntrivial -- a\n```')], { clientId: 'A', deadlineAtMs: soon() });
    release();
    await tick();
    release();
    expect(await next).toMatchObject([{ id: 'e', status: 'valid' }]);
  });
});

describe("the service's own retries (issue #8: retried inside the deadline)", () => {
  it('retries a check that failed for infrastructure reasons and answers with the verdict', async () => {
    const { checker, calls, failures } = scriptedChecker();
    failures.push(new ProoflineError('LEAN_CRASHED', 'the REPL died'));
    const service = serviceOver(checker);
    expect(await service.verify([item('x', '```lean4\ntrivial\n```')], { clientId: 'A', deadlineAtMs: soon() })).toMatchObject([{ id: 'x', status: 'valid', reward: 1 }]);
    expect(calls).toHaveLength(2);
  });

  it('does not retry past the deadline: the item is infrastructure_error with reward null and the error code', async () => {
    const { checker, calls, failures } = scriptedChecker();
    failures.push(new ProoflineError('LEAN_CRASHED', 'the REPL died'));
    const service = serviceOver(checker);
    // The first retry waits 250 ms, which does not fit before a 200 ms deadline.
    const [result] = await service.verify([item('x', '```lean4\ntrivial\n```')], { clientId: 'A', deadlineAtMs: Date.now() + 200 });
    expect(result).toMatchObject({ status: 'infrastructure_error', reward: null, error_code: 'LEAN_CRASHED' });
    expect(calls).toHaveLength(1);
  });

  it('never retries an error that is not retryable, and never remembers an error as an answer', async () => {
    const { checker, calls, failures } = scriptedChecker();
    failures.push(new ProoflineError('CHECKER_CLOSED', 'closed'));
    const service = serviceOver(checker, { queue: { max_attempts: 5 } });
    expect(await service.verify([item('x', '```lean4\ntrivial\n```')], { clientId: 'A', deadlineAtMs: soon() })).toMatchObject([{ status: 'infrastructure_error', error_code: 'CHECKER_CLOSED' }]);
    expect(await service.verify([item('y', '```lean4\ntrivial\n```')], { clientId: 'A', deadlineAtMs: soon() })).toMatchObject([{ status: 'valid', cached: false }]);
    expect(calls).toHaveLength(2);
  });
});

describe('remembered verdicts (the front cache)', () => {
  it('answers a repeat exactly as the first answer (but cached), with one check, per format gate outcome', async () => {
    const { checker, calls } = scriptedChecker();
    const service = serviceOver(checker);
    const options = { clientId: 'A', deadlineAtMs: soon() };
    const bad = item('b', '```lean4\nnope\n```');
    const [first] = await service.verify([bad], options);
    const [again] = await service.verify([{ ...bad, id: 'b-again' }], options);
    expect(again).toEqual({ ...first, id: 'b-again', cached: true });
    expect(first!.feedback).toContain('unknown tactic');

    const good = '<think>ok</think>\n```lean4\ntrivial\n```';
    const plain = await service.verify([item('g', good)], options);
    const gated = await service.verify([item('g', good), item('h', '```lean4\ntrivial\n```')], { ...options, requireFormat: true });
    expect(plain).toMatchObject([{ status: 'valid', reward: 1, components: { lean: 1, format: null } }]);
    expect(gated).toMatchObject([
      { status: 'valid', reward: 1, components: { lean: 1, format: 1 }, cached: true },
      { status: 'format_error', reward: 0, components: { lean: 1, format: 0 } },
    ]);
    // `proof` is the fenced completion: the same check as h, remembered.
    expect(await service.verify([item('p', '', { completion: undefined, proof: 'trivial' })], options)).toMatchObject([{ status: 'valid', cached: true, components: { format: null } }]);
    expect(calls.map((c) => c.completion)).toEqual(['```lean4\nnope\n```', good, '```lean4\ntrivial\n```']);
  });

  it('keys on header, statement and completion as separate fields (no two splits of one text share a verdict)', async () => {
    const { checker, calls } = scriptedChecker();
    const service = serviceOver(checker);
    const options = { clientId: 'A', deadlineAtMs: soon() };
    await service.verify([item('1', '```lean4\ntrivial\n```', { header: 'import A', formal_statement: `\n${STATEMENT}` })], options);
    await service.verify([item('2', '```lean4\ntrivial\n```', { header: 'import A\n', formal_statement: STATEMENT })], options);
    await service.verify([item('3', '```lean4\ntrivial\n```', { header: 'import A\n', formal_statement: STATEMENT })], options);
    expect(calls.map((c) => [c.header, c.formal_statement])).toEqual([['import A', `\n${STATEMENT}`], ['import A\n', STATEMENT]]);
  });

  it('verdictContext changes with every setting a verdict depends on, and only with those', () => {
    const lean = parseConfig({}).lean;
    const policy = loadPolicy(lean.policy);
    const toolchain = { leanVersion: '4.33.0', mathlibRev: 'abc' };
    const base = verdictContext(lean, toolchain, policy);
    const variants = [
      verdictContext({ ...lean, timeout_ms: lean.timeout_ms + 1 }, toolchain, policy),
      verdictContext({ ...lean, memory_limit_mb: lean.memory_limit_mb + 1 }, toolchain, policy),
      verdictContext({ ...lean, confirm: !lean.confirm }, toolchain, policy),
      verdictContext({ ...lean, l4: { ...lean.l4, sample_rate: 0.5 } }, toolchain, policy),
      verdictContext(lean, { ...toolchain, leanVersion: '4.34.0' }, policy),
      verdictContext(lean, { ...toolchain, mathlibRev: 'def' }, policy),
      verdictContext(lean, toolchain, { ...policy, option_caps: { ...policy.option_caps, maxRecDepth: 1 } }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(verdictContext({ ...lean, pool: { ...lean.pool, size: 7 }, max_attempts: 9 }, toolchain, policy)).toBe(base);
  });
});

describe('request logging', () => {
  it('does not log every request at info (only refusals)', async () => {
    const lines: Array<{ msg: string; status?: number; reqId?: string }> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    const { checker } = scriptedChecker();
    const service = serviceOver(checker);
    const config = ServeConfigSchema.parse({});
    const app = await createRewardApp({ service, config, leanTimeoutMs: 1000, logger: pino({ level: 'info' }, stream) });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item('x', '```lean4\ntrivial\n```')] } })).statusCode).toBe(200);
      expect(lines).toEqual([]);
      expect((await app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [] } })).statusCode).toBe(400);
      expect(lines.map((l) => [l.msg, l.status])).toEqual([['request refused', 400]]);
      expect(lines[0]!.reqId).toEqual(expect.any(String)); // no child logger per request: the line names its request itself
    } finally {
      await app.close();
    }
  });
});
