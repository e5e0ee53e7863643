import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProblemRegistry } from '../../../pipeline/serve/problem-registry.ts';
import type { VerifyItem } from '../../../pipeline/serve/reward-contract.ts';
import { createCheckerRewardService } from '../../../pipeline/serve/reward-service.ts';
import { ServeConfigSchema } from '../../../pipeline/serve/serve-config.ts';
import { VerifyBodySchema, verifyItemsOf } from '../../../pipeline/serve/verify-route.ts';
import { createRewardApp } from '../../../workers/reward-app.ts';

/**
 * /v1/verify checks bodies with fastify's compiled JSON Schema first and falls back to zod (which
 * names the bad field) only when that refuses. The pair must accept exactly what zod accepts, with
 * the same items: every body here goes through the real app and is compared with zod's verdict.
 */
const item = { id: 'a', problem_id: 'p1', completion: '```lean4\nrfl\n```' };
const inline = { id: 'b', header: 'import Mathlib', formal_statement: 'theorem t : True := by sorry', proof: 'trivial' };

const BODIES: Record<string, unknown> = {
  'problem id + completion': { items: [item] },
  'inline statement + proof': { items: [inline] },
  'statement without header': { items: [{ formal_statement: 'theorem t : True := by sorry', completion: 'x' }] },
  'integer id': { items: [{ ...item, id: 7 }] },
  'negative integer id': { items: [{ ...item, id: -7 }] },
  'no id': { items: [{ problem_id: 'p1', completion: 'x' }] },
  'extra keys': { items: [{ ...item, score: 3 }], extra: true, reward: { require_format: false, other: 1 } },
  'format gate': { items: [item], reward: { format: 'think_then_lean4' } },
  'require_format': { items: [item], reward: { require_format: true } },
  'timeout': { items: [item], timeout_s: 0.25 },
  'nulls for absent fields': { items: [{ ...item, header: null, proof: null, formal_statement: null }], timeout_s: null, reward: null },
  'null problem_id with a statement': { items: [{ problem_id: null, formal_statement: 'theorem t : True := by sorry', completion: 'x' }] },
  'null id': { items: [{ ...item, id: null }] },
  '256-character id': { items: [{ ...item, id: 'x'.repeat(256) }] },
  '256 astral characters in an id (512 UTF-16 units)': { items: [{ ...item, id: '😀'.repeat(256) }] },
  '512-character problem id': { items: [{ ...item, problem_id: 'p'.repeat(512) }] },
  '300 astral characters in an id': { items: [{ ...item, id: '😀'.repeat(300) }] },
  '257 lone surrogates in an id': { items: [{ ...item, id: '\ud800'.repeat(257) }] },
  '512 astral characters in a problem id': { items: [{ ...item, problem_id: '😀'.repeat(512) }] },
  '257-character id': { items: [{ ...item, id: 'x'.repeat(257) }] },
  '513-character problem id': { items: [{ ...item, problem_id: 'p'.repeat(513) }] },
  'empty id': { items: [{ ...item, id: '' }] },
  'fractional id': { items: [{ ...item, id: 1.5 }] },
  'huge id': { items: [{ ...item, id: 2 ** 60 }] },
  'empty problem id': { items: [{ ...item, problem_id: '' }] },
  'no items': { items: [] },
  'items not a list': { items: { 0: item } },
  'item null': { items: [null] },
  'item a list': { items: [[item]] },
  'no body fields': {},
  'a list body': [item],
  'problem id and statement': { items: [{ ...item, formal_statement: 'theorem t : True := by sorry' }] },
  'neither problem id nor statement': { items: [{ id: 'a', completion: 'x' }] },
  'header with problem id': { items: [{ ...item, header: 'import Mathlib' }] },
  'completion and proof': { items: [{ ...item, proof: 'rfl' }] },
  'neither completion nor proof': { items: [{ id: 'a', problem_id: 'p1' }] },
  'numeric completion': { items: [{ ...item, completion: 7 }] },
  'completion in a list': { items: [{ ...item, completion: ['x'] }] },
  'boolean header': { items: [{ ...inline, header: true }] },
  'numeric problem id': { items: [{ ...item, problem_id: 5 }] },
  'string timeout': { items: [item], timeout_s: '5' },
  'zero timeout': { items: [item], timeout_s: 0 },
  'negative timeout': { items: [item], timeout_s: -1 },
  'string require_format': { items: [item], reward: { require_format: 'true' } },
  'other format': { items: [item], reward: { format: 'lean4_only' } },
  'reward a list': { items: [item], reward: [] },
};

describe('/v1/verify body checks: compiled JSON Schema first, zod for the rest', () => {
  let app: FastifyInstance;
  const received: VerifyItem[][] = [];
  beforeAll(async () => {
    const config = ServeConfigSchema.parse({});
    const service = createCheckerRewardService(config, {
      checker: { stats: { checks: 0, cacheHits: 0, leanInvocations: 0, retries: 0, errors: 0 }, constructs: undefined as never, check: () => Promise.reject(new Error('not reached')), close: async () => {} },
      registry: new ProblemRegistry(),
      versions: { lean: '4.33.0', mathlib: null, checker: 't', policy: { name: 'strict', version: '2' } },
      concurrency: 1,
      maxRememberedVerdicts: 10,
      verdictContext: 't',
    });
    // Capture the items instead of checking them.
    const capturing = Object.create(service) as typeof service;
    capturing.verify = async (items) => {
      received.push([...items]);
      return items.map((i) => ({ id: i.id, status: 'unknown_problem', reward: null, verified: false, reason: 'test', layer: null, axioms: null, messages: [], feedback: '', components: { lean: null, format: null }, lean_time_s: 0, cached: false, error_code: null }));
    };
    app = await createRewardApp({ service: capturing, config, leanTimeoutMs: 1000 });
  });
  afterAll(async () => app?.close());

  for (const [name, body] of Object.entries(BODIES)) {
    it(`${name}: accepted with the same items exactly when zod accepts it`, async () => {
      const expected = VerifyBodySchema.safeParse(body);
      received.length = 0;
      const response = await app.inject({ method: 'POST', url: '/v1/verify', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      if (expected.success) {
        expect(response.statusCode, response.body).toBe(200);
        expect(received).toEqual([verifyItemsOf(expected.data)]);
      } else {
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: { code: 'INPUT_INVALID', field: expect.any(String) } });
        expect(received).toEqual([]);
      }
    });
  }

  it('checks a valid body without zod, and an invalid one with it (for the field in the 400)', async () => {
    const zod = vi.spyOn(VerifyBodySchema, 'safeParse');
    try {
      expect((await app.inject({ method: 'POST', url: '/v1/verify', payload: BODIES['inline statement + proof'] as object })).statusCode).toBe(200);
      expect(zod).not.toHaveBeenCalled();
      expect((await app.inject({ method: 'POST', url: '/v1/verify', payload: BODIES['completion and proof'] as object })).json()).toMatchObject({ error: { field: 'items.0.completion' } });
      expect(zod).toHaveBeenCalledTimes(1);
    } finally {
      zod.mockRestore();
    }
  });

  it('covers both outcomes (the corpus is not one-sided)', () => {
    const outcomes = Object.values(BODIES).map((b) => VerifyBodySchema.safeParse(b).success);
    expect(outcomes.filter(Boolean).length).toBeGreaterThan(10);
    expect(outcomes.filter((ok) => !ok).length).toBeGreaterThan(20);
  });
});
