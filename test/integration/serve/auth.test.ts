import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServeKit, type ServeKit } from './serve-kit.ts';

describe('bearer-token auth', () => {
  let kit: ServeKit;
  beforeAll(async () => {
    kit = await openServeKit({ tokens: [{ client: 'trainer-a', token: 'a'.repeat(32) }, { client: 'trainer-b', token: 'b-token-0123456789abcdef' }] });
  }, 60_000);
  afterAll(async () => kit?.close());

  const verify = (authorization?: string) =>
    kit.app.inject({ method: 'POST', url: '/v1/verify', payload: { items: [{ id: 'x', problem_id: 'no-such-problem', completion: 'by simp' }] }, headers: authorization === undefined ? {} : { authorization } });

  it('refuses a request without a token, with an unknown one, or a prefix of a real one with 401 and WWW-Authenticate', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${'a'.repeat(31)}`, `Basic ${'a'.repeat(32)}`, 'a'.repeat(32)]) {
      const response = await verify(auth);
      expect(response.statusCode, String(auth)).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    expect((await kit.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await kit.app.inject({ method: 'GET', url: '/v1/info' })).statusCode).toBe(401);
  });

  it('answers a configured token and keeps the probes open', async () => {
    expect((await verify(`Bearer ${'a'.repeat(32)}`)).statusCode).toBe(200);
    expect((await verify('bearer b-token-0123456789abcdef')).statusCode).toBe(200);
    expect((await kit.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect([200, 503]).toContain((await kit.app.inject({ method: 'GET', url: '/readyz' })).statusCode);
  });
});
