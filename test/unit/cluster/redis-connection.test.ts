import { describe, expect, test } from 'vitest';
import { connectRedisCluster, parseRedisUrl, redactRedisUrl, redisClientOptions } from '../../../pipeline/cluster/redis-connection.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';

describe('parseRedisUrl', () => {
  test('reads host, port, db, user and percent-decoded password; rediss means TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, db: 0, username: null, password: null, tls: false });
    expect(parseRedisUrl('redis://cache.internal')).toMatchObject({ host: 'cache.internal', port: 6379, db: 0 });
    expect(parseRedisUrl('rediss://worker:p%40ss%2Fw0rd@my-cluster.abc.cache.amazonaws.com:6380/2')).toEqual({
      host: 'my-cluster.abc.cache.amazonaws.com', port: 6380, db: 2, username: 'worker', password: 'p@ss/w0rd', tls: true,
    });
    expect(parseRedisUrl('redis://:secret@[::1]:7000')).toMatchObject({ host: '::1', port: 7000, username: null, password: 'secret' });
  });

  test.each([
    ['', 'a Redis URL like redis://host:6379'],
    ['localhost:6379', 'a redis:// or rediss:// URL'],
    ['http://host:6379', 'a redis:// or rediss:// URL (scheme http is not Redis)'],
    ['redis://host:0', 'a port from 1 to 65535'],
    ['redis://host:6379/abc', 'a database number (0-15) as the URL path'],
    ['redis://host:6379/16', 'a database number from 0 to 15'],
    ['redis://host:6379?tls=true', 'no query string or fragment'],
    ['not a url', 'a Redis URL like redis://host:6379 (not a URL)'],
  ])('refuses %j with CONFIG_INVALID saying what was expected', (url, expected) => {
    let caught: unknown;
    try {
      parseRedisUrl(url, '--redis');
    } catch (error) {
      caught = error;
    }
    expect(isProoflineError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(`--redis: expected ${expected}`);
  });

  test('never repeats a password in an error', () => {
    expect(() => parseRedisUrl('redis://u:hunter2@host:99999')).toThrow(/redis:\/\/u:\*\*\*@host:99999/u);
    expect(() => parseRedisUrl('redis://u:hunter2@host:99999')).not.toThrow(/hunter2/u);
    expect(redactRedisUrl('rediss://:tok3n@h:6380/1')).toBe('rediss://:***@h:6380/1');
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});

describe('redisClientOptions', () => {
  const endpoint = parseRedisUrl('rediss://u:pw@h:6380/3');

  test('queue connections wait through reconnects (BullMQ requires maxRetriesPerRequest: null)', () => {
    const options = redisClientOptions(endpoint, 'queue', 'proofline-worker');
    expect(options).toMatchObject({ host: 'h', port: 6380, db: 3, username: 'u', password: 'pw', tls: { servername: 'h' }, connectionName: 'proofline-worker', maxRetriesPerRequest: null });
  });

  test('command connections fail fast instead of queueing forever while Redis is down', () => {
    const options = redisClientOptions(endpoint, 'command');
    expect(options.maxRetriesPerRequest).toBe(2);
    expect(options.commandTimeout).toBeGreaterThan(0);
  });

  test('no TLS options for redis://', () => {
    expect(redisClientOptions(parseRedisUrl('redis://h'), 'queue')).not.toHaveProperty('tls');
  });
});

describe('connectRedisCluster', () => {
  test('refuses a database other than 0 before connecting (a Redis Cluster has only db 0)', async () => {
    const error = await connectRedisCluster('redis://:pw@cache.internal:6379/2', 'queue').catch((caught: unknown) => caught);
    expect(isProoflineError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toBe('--redis: expected database 0 for a Redis Cluster (it has no other), got 2 in redis://:***@cache.internal:6379/2');
  });
});
