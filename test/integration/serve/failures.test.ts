import { afterEach, describe, expect, it } from 'vitest';
import type { ItemResult } from '../../../pipeline/serve/reward-contract.ts';
import { openServeKit, strictCases, type ServeKit } from './serve-kit.ts';

const cases = [...strictCases().values()];
/** Distinct candidates that reach Lean (L2/L3) on the empty header: each is one check. */
const leanCases = cases.filter((c) => c.input.header === '' && (c.expected.layer === 'L2' || c.expected.layer === 'L3'));
const l1Reject = cases.find((c) => c.expected.layer === 'L1')!;
const item = (c: (typeof cases)[number], id: string) => ({ id, header: c.input.header, formal_statement: c.input.formal_statement, completion: c.input.completion });
const resultsOf = (response: { json: () => unknown }) => (response.json() as { results: ItemResult[] }).results;

let kit: ServeKit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

describe('reward service when things go wrong', () => {
  it('answers a crashing checker with infrastructure_error and reward null (never 0), and 503 + Retry-After when nothing got a verdict', async () => {
    kit = await openServeKit({ lean: { env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'repl,lean' } } });
    await expect(kit.service.warmUp('')).rejects.toMatchObject({ code: 'LEAN_CRASHED' });
    const ready = await kit.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, detail: expect.stringContaining('LEAN_CRASHED') });

    const allFailed = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(leanCases[0]!, 'a'), item(leanCases[1]!, 'b')] } });
    expect(allFailed.statusCode).toBe(503);
    expect(Number(allFailed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(allFailed.json()).toMatchObject({ error: { code: 'CHECKER_FAILED', retryable: true } });
    for (const r of resultsOf(allFailed)) expect(r).toMatchObject({ status: 'infrastructure_error', reward: null, verified: false, error_code: 'LEAN_CRASHED', components: { lean: null } });

    // A verdict that needs no Lean (L1) still comes back: 200, and the crashed item stays null.
    const mixed = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(l1Reject, 'cheat'), item(leanCases[2]!, 'c')] } });
    expect(mixed.statusCode).toBe(200);
    expect(resultsOf(mixed).map((r) => [r.status, r.reward])).toEqual([['banned_construct', 0], ['infrastructure_error', null]]);
  }, 90_000);

  it('reports items that cannot finish by the deadline as deadline_exceeded without holding the batch, and a later retry reuses the verdict', async () => {
    kit = await openServeKit({ lean: { confirm: false, env: { RECORDED_LEAN_CMD_MS: '2500' } } });
    const slow = item(leanCases[0]!, 'slow');
    const started = performance.now();
    const response = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(l1Reject, 'fast'), slow] }, headers: { 'x-deadline-ms': '700' } });
    const elapsedMs = performance.now() - started;
    expect(response.statusCode).toBe(200);
    expect(resultsOf(response).map((r) => [r.id, r.status, r.reward])).toEqual([['fast', 'banned_construct', 0], ['slow', 'deadline_exceeded', null]]);
    expect(elapsedMs).toBeLessThan(1500);

    // Nothing could be checked by the body's `timeout_s`: 503 + Retry-After (the trainer retries), the results still in the body.
    const expired = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(leanCases[1]!, 'late')], timeout_s: 0.4 } });
    expect(expired.statusCode).toBe(503);
    expect(Number(expired.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(expired.json()).toMatchObject({ error: { code: 'DEADLINE_EXCEEDED', retryable: true }, results: [{ id: 'late', status: 'deadline_exceeded', reward: null }] });

    // The check keeps running and lands in the cache; the trainer's retry gets it.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const retry = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [slow], timeout_s: 30 } });
    expect(resultsOf(retry)[0]).toMatchObject({ status: leanCases[0]!.expected.kind === 'accepted' ? 'valid' : leanCases[0]!.expected.reason, cached: true });
  }, 90_000);

  it('answers 429 with Retry-After when the bounded queue is full, instead of waiting', async () => {
    kit = await openServeKit({ lean: { confirm: false, env: { RECORDED_LEAN_CMD_MS: '1500' } }, serve: { queue: { concurrency: 1, max_queued: 3, max_queued_per_client: 3 }, limits: { max_items: 3 } } });
    const burst = kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: leanCases.slice(0, 3).map((c, i) => item(c, `a${i}`)) }, headers: { 'x-client-id': 'A', 'x-deadline-ms': '2000' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // 1 running, 2 queued: two more distinct checks do not fit under max_queued 3.
    expect(kit.service.scheduler.queued).toBe(2);
    const refused = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(leanCases[3]!, 'c0'), item(leanCases[4]!, 'c1')] }, headers: { 'x-client-id': 'C' } });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json()).toMatchObject({ error: { code: 'OVERLOADED', retryable: true } });
    // A duplicate of a queued check costs no queue space: it joins (and keeps the check alive past the burst's deadline).
    const joined = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(leanCases[2]!, 'dup')] }, headers: { 'x-client-id': 'C', 'x-deadline-ms': '20000' } });
    expect(joined.statusCode).toBe(200);
    expect(resultsOf(joined)[0]!.reward).not.toBeNull();
    // The burst is answered by its 2 s deadline (200 when its first check made it, else 503 + Retry-After), never refused.
    const burstResponse = await burst;
    expect([200, 503]).toContain(burstResponse.statusCode);
    expect(resultsOf(burstResponse).map((r) => r.id)).toEqual(['a0', 'a1', 'a2']);
  }, 60_000);

  it("finishes a small request from client B while client A's burst is still queued (per-client round-robin)", async () => {
    kit = await openServeKit({ lean: { confirm: false, env: { RECORDED_LEAN_CMD_MS: '300' } }, serve: { queue: { concurrency: 1 } } });
    const burst = leanCases.slice(0, 12);
    let isBurstDone = false;
    const a = kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: burst.map((c, i) => item(c, `a${i}`)) }, headers: { 'x-client-id': 'A' } }).then((r) => {
      isBurstDone = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const b = await kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [item(leanCases[12]!, 'b')] }, headers: { 'x-client-id': 'B' } });
    expect(b.statusCode).toBe(200);
    expect(resultsOf(b)[0]!.reward).not.toBeNull();
    expect(isBurstDone).toBe(false);
    expect(kit.service.scheduler.queued).toBeGreaterThan(5);
    expect(resultsOf(await a).every((r) => r.reward !== null)).toBe(true);
  }, 90_000);
});
