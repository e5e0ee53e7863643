import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CheckRequest, ProofChecker } from '../../../pipeline/lean/proof-checker.ts';
import { ProblemRegistry } from '../../../pipeline/serve/problem-registry.ts';
import type { VerifyItem } from '../../../pipeline/serve/reward-contract.ts';
import { createCheckerRewardService } from '../../../pipeline/serve/reward-service.ts';
import { ServeConfigSchema } from '../../../pipeline/serve/serve-config.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';
import { createRewardApp } from '../../../workers/reward-app.ts';

/** Review findings on the reward service: waiting bytes, ill-formed text and the front cache, deadline wording, refusal logs. */
const STATEMENT = 'theorem t : True := by sorry';

function verdictFor(request: CheckRequest): Verdict {
  const isValid = request.completion.includes('trivial');
  return {
    kind: isValid ? 'accepted' : 'rejected',
    reason: isValid ? null : 'lean_error',
    detail: 'd',
    layer: 'L2',
    axioms: isValid ? [] : null,
    messages: [],
    elapsed_ms: 1,
    cached: false,
    timings: {},
    provenance: { checker_version: 't', toolchain: '4.33.0', mathlib_rev: null, policy: { name: 'strict', version: '2' }, budget: { timeout_ms: 1000, memory_limit_mb: 256 }, runner: 'repl', sandbox: 'none', confirmed: false, l4_audited: false },
  };
}

function scriptedChecker(isHeld: boolean) {
  const calls: CheckRequest[] = [];
  const held: Array<() => void> = [];
  const checker: ProofChecker = {
    stats: { checks: 0, cacheHits: 0, leanInvocations: 0, retries: 0, errors: 0 },
    constructs: undefined as unknown as ProofChecker['constructs'],
    async check(request) {
      calls.push(request);
      if (isHeld) await new Promise<void>((resolve) => held.push(resolve));
      return verdictFor(request);
    },
    async close() {},
  };
  return { checker, calls, release: () => { for (const resolve of held.splice(0)) resolve(); } };
}

function serviceOver(checker: ProofChecker, serve: Record<string, unknown> = {}, concurrency = 2) {
  return createCheckerRewardService(ServeConfigSchema.parse(serve), {
    checker,
    registry: new ProblemRegistry(),
    versions: { lean: '4.33.0', mathlib: null, checker: 't', policy: { name: 'strict', version: '2' } },
    concurrency,
    maxRememberedVerdicts: 100,
    verdictContext: 'test-context',
  });
}

const item = (id: string, completion: string): VerifyItem => ({ id, formal_statement: STATEMENT, completion });
const soon = () => Date.now() + 10_000;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('waiting bytes (review: the item bound let 24 requests with one 8 MB completion in)', () => {
  const bytes = { limits: { body_limit_bytes: 2000 }, queue: { max_waiting_bytes: 3000, max_waiting_bytes_per_client: 2000 } };
  // 900 bytes of completion + 28 of statement: two fit one client (1856 <= 2000), three do not.
  const big = `\`\`\`lean4\ntrivial ${'x'.repeat(900 - 21)}\n\`\`\``;

  it('refuses (429) duplicates of a held check past the per-client and total byte bounds, and frees them once answered', async () => {
    const { checker, calls, release } = scriptedChecker(true);
    const service = serviceOver(checker, bytes);
    const a1 = service.verify([item('a1', big)], { clientId: 'A', deadlineAtMs: soon() });
    const a2 = service.verify([item('a2', big)], { clientId: 'A', deadlineAtMs: soon() });
    await tick();
    expect(calls).toHaveLength(1);
    expect(service.waitingItems).toBe(2);
    expect(service.waitingBytes).toBe(2 * (900 + STATEMENT.length));
    await expect(service.verify([item('a3', big)], { clientId: 'A', deadlineAtMs: soon() })).rejects.toMatchObject({ kind: 'overloaded', retryAfterS: expect.any(Number), message: expect.stringMatching(/bytes of text waiting for checks 1856\/3000, this client 1856\/2000/) });
    const b1 = service.verify([item('b1', big)], { clientId: 'B', deadlineAtMs: soon() });
    // B is under its own bound (928 + 928 <= 2000), but the total would be 3712 > 3000.
    await expect(service.verify([item('b2', big)], { clientId: 'B', deadlineAtMs: soon() })).rejects.toMatchObject({ kind: 'overloaded' });
    release();
    expect((await Promise.all([a1, a2, b1])).flat().map((r) => r.status)).toEqual(['valid', 'valid', 'valid']);
    expect(service.waitingBytes).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('answers 413 (not 429 forever) for a request whose text can never fit one client, and 429 + Retry-After over HTTP', async () => {
    const { checker, release } = scriptedChecker(true);
    const service = serviceOver(checker, bytes);
    await expect(service.verify([item('a', big), item('b', `${big} `), item('c', `${big}  `)], { clientId: 'A', deadlineAtMs: soon() })).rejects.toMatchObject({ kind: 'request_too_large', status: 413 });
    const config = ServeConfigSchema.parse(bytes);
    const app = await createRewardApp({ service, config, leanTimeoutMs: 1000 });
    try {
      const post = (id: string) => app.inject({ method: 'POST', url: '/v1/verify', headers: { 'x-client-id': 'A' }, payload: { items: [item(id, big)] } });
      const first = post('1');
      const second = post('2');
      await tick();
      const third = await post('3');
      expect(third.statusCode).toBe(429);
      expect(third.headers['retry-after']).toMatch(/^\d+$/);
      expect(third.json()).toMatchObject({ error: { code: 'OVERLOADED', retryable: true } });
      expect((await app.inject({ method: 'GET', url: '/v1/info' })).json()).toMatchObject({ capacity: { waiting_bytes: 1856, max_waiting_bytes: 3000, max_waiting_bytes_per_client: 2000 } });
      expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain('proofline_waiting_bytes 1856');
      release();
      expect([(await first).statusCode, (await second).statusCode]).toEqual([200, 200]);
    } finally {
      await app.close();
    }
  });

  it('has defaults that bound bytes, give one client 1/8 of the waiting items, and refuses a config where a maximal request cannot fit', () => {
    const defaults = ServeConfigSchema.parse({});
    expect(defaults.queue).toMatchObject({ max_waiting_items: 131_072, max_waiting_items_per_client: 131_072 / 8, max_waiting_bytes: 256 * 1024 * 1024, max_waiting_bytes_per_client: 64 * 1024 * 1024 });
    expect(defaults.limits.body_limit_bytes).toBeLessThanOrEqual(defaults.queue.max_waiting_bytes_per_client);
    expect(() => ServeConfigSchema.parse({ limits: { body_limit_bytes: 2000 }, queue: { max_waiting_bytes: 3000, max_waiting_bytes_per_client: 1000 } })).toThrow(/body_limit_bytes <= queue.max_waiting_bytes_per_client/);
    expect(() => ServeConfigSchema.parse({ limits: { body_limit_bytes: 1000 }, queue: { max_waiting_bytes: 1500, max_waiting_bytes_per_client: 2000 } })).toThrow(/max_waiting_bytes_per_client <= queue.max_waiting_bytes/);
  });
});

describe('ill-formed text and the front cache (review: a lone surrogate got the verdict of U+FFFD)', () => {
  it('refuses a lone surrogate with a 400 naming the field, so it never gets another text’s verdict', async () => {
    const { checker, calls } = scriptedChecker(false);
    const service = serviceOver(checker);
    const app = await createRewardApp({ service, config: ServeConfigSchema.parse({}), leanTimeoutMs: 1000 });
    try {
      const post = (proof: string) => app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'application/json' }, payload: `{"items":[{"formal_statement":"${STATEMENT}","proof":${JSON.stringify(proof)}}]}` });
      const a = await post('trivial -- \ufffd');
      expect(a.json()).toMatchObject({ results: [{ status: 'valid', cached: false }] });
      const b = await post('trivial -- \ud800');
      expect(b.statusCode).toBe(400);
      expect(b.json()).toMatchObject({ error: { code: 'INPUT_INVALID', field: 'items.0.proof', message: expect.stringMatching(/lone surrogate \(\\ud800 at UTF-16 offset 11\)/) } });
      expect(calls).toHaveLength(1);
      // A well-formed surrogate pair is text like any other.
      expect((await post('trivial -- \ud83d\ude00')).json()).toMatchObject({ results: [{ status: 'valid', cached: false }] });
      await expect(service.verify([{ id: 'h', header: 'import X\udc00', formal_statement: STATEMENT, completion: 'c' }], { clientId: 'A', deadlineAtMs: soon() })).rejects.toMatchObject({ kind: 'invalid_request', field: 'items.0.header' });
    } finally {
      await app.close();
    }
  });
});

describe('deadline_exceeded says what happens to the checks', () => {
  it('a running check runs to the end and is cached; a queued one nobody else waits for is dropped', async () => {
    const { checker, calls, release } = scriptedChecker(true);
    const service = serviceOver(checker, {}, 1);
    const app = await createRewardApp({ service, config: ServeConfigSchema.parse({}), leanTimeoutMs: 1000 });
    try {
      const response = await app.inject({ method: 'POST', url: '/v1/verify', headers: { 'x-deadline-ms': '100' }, payload: { items: [item('running', '```lean4\ntrivial\n```'), item('queued', '```lean4\ntrivial -- 2\n```')] } });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.error.code).toBe('DEADLINE_EXCEEDED');
      expect(body.error.message).not.toMatch(/checks go on/);
      expect(body.error.message).toMatch(/checks already running finish and their verdicts are cached.*queued checks no other request waited for were dropped/);
      expect(body.results[0].reason).toMatch(/already running and runs to the end; its verdict is cached/);
      expect(body.results[1].reason).toMatch(/still queued and, with no other request waiting for it, was dropped; a retry queues it again/);
      release();
      await tick();
      await tick();
      // Only the running check ran; the dropped one never reached the checker.
      expect(calls.map((c) => c.completion)).toEqual(['```lean4\ntrivial\n```']);
      expect(service.scheduler.queued).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('refusal logs (review: a refused flood wrote one info line per request)', () => {
  it('logs the first refusal at info, the rest at debug, and then one count per window', async () => {
    const lines: Array<{ level: number; msg: string; refused?: number; byStatusAndCode?: Record<string, number> }> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
        done();
      },
    });
    const { checker } = scriptedChecker(false);
    const app = await createRewardApp({ service: serviceOver(checker), config: ServeConfigSchema.parse({}), leanTimeoutMs: 1000, logger: pino({ level: 'debug' }, stream), refusalLogWindowMs: 200 });
    try {
      for (let i = 0; i < 20; i += 1) expect((await app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [] } })).statusCode).toBe(400);
      const refusals = () => lines.filter((l) => /refused/.test(l.msg));
      expect(refusals().filter((l) => l.level === 30)).toHaveLength(1);
      expect(refusals().filter((l) => l.level === 20)).toHaveLength(19);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const info = refusals().filter((l) => l.level === 30);
      expect(info).toHaveLength(2);
      expect(info[1]).toMatchObject({ refused: 19, byStatusAndCode: { '400 INPUT_INVALID': 19 } });
      // The flood goes on: the next window only counts too.
      expect((await app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [] } })).statusCode).toBe(400);
      expect(refusals().filter((l) => l.level === 30)).toHaveLength(2);
    } finally {
      await app.close();
    }
    expect(lines.filter((l) => l.level === 30 && /refused/.test(l.msg)).at(-1)).toMatchObject({ refused: 1 });
  });
});
