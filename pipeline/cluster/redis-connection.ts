import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ProoflineError } from '../errors.ts';

/** A standalone client or a Redis Cluster client (ElastiCache cluster mode): the same commands. */
export type RedisClient = Redis | Cluster;

/** Where the cluster's Redis is: parsed from `redis://` (or `rediss://` for TLS, e.g. ElastiCache in-transit encryption). */
export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  username: string | null;
  password: string | null;
  tls: boolean;
}

/**
 * `queue`: connections BullMQ's Queue/Worker use. BullMQ requires `maxRetriesPerRequest: null` on
 * them (a blocking BRPOPLPUSH/BZPOPMIN must wait through reconnects instead of failing after N
 * retries) and refuses a client without it.
 * `command`: our own commands (caches, rate limiter, run state). These must FAIL while Redis is
 * down, so a job fails and is retried, instead of hanging in ioredis' offline queue forever.
 */
export type RedisRole = 'queue' | 'command';

const DEFAULT_PORT = 6379;
const ALLOWED_SCHEMES = new Set(['redis:', 'rediss:']);

/**
 * Parses a Redis URL with precise errors: `redis://[user[:password]@]host[:port][/db]`. Query
 * strings and fragments are refused (nothing reads them, so a `?tls=true` would be silently
 * ignored); use `rediss://` for TLS. User and password are percent-decoded.
 */
export function parseRedisUrl(url: string, source = '--redis'): RedisEndpoint {
  const fail = (expected: string): never => {
    throw new ProoflineError('CONFIG_INVALID', `${source}: expected ${expected}, got ${JSON.stringify(redactRedisUrl(url))}`);
  };
  if (typeof url !== 'string' || url.trim() === '') fail('a Redis URL like redis://host:6379');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('a Redis URL like redis://host:6379 (not a URL)');
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol)) fail(`a redis:// or rediss:// URL (scheme ${parsed.protocol.replace(/:$/u, '')} is not Redis)`);
  if (parsed.hostname === '') fail('a host in the Redis URL');
  if (parsed.search !== '' || parsed.hash !== '') fail('no query string or fragment in the Redis URL (use rediss:// for TLS)');
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65_535)) fail('a port from 1 to 65535');
  const path = parsed.pathname.replace(/^\//u, '');
  if (path !== '' && !/^\d{1,2}$/u.test(path)) fail('a database number (0-15) as the URL path, like redis://host:6379/0');
  const db = path === '' ? 0 : Number(path);
  if (db > 15) fail('a database number from 0 to 15');
  const decode = (text: string): string | null => (text === '' ? null : decodeURIComponent(text));
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/u, '$1'),
    port,
    db,
    username: decode(parsed.username),
    password: decode(parsed.password),
    tls: parsed.protocol === 'rediss:',
  };
}

/** The URL with any password replaced by `***`, for logs, errors and `proofline status`. */
export function redactRedisUrl(url: string): string {
  return typeof url === 'string' ? url.replace(/^(rediss?:\/\/[^:/@]*:)[^@/]*@/u, '$1***@') : String(url);
}

/** ioredis options for one role (see RedisRole). */
export function redisClientOptions(endpoint: RedisEndpoint, role: RedisRole, connectionName?: string): RedisOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    ...(endpoint.username === null ? {} : { username: endpoint.username }),
    ...(endpoint.password === null ? {} : { password: endpoint.password }),
    ...(endpoint.tls ? { tls: { servername: endpoint.host } } : {}),
    ...(connectionName === undefined ? {} : { connectionName }),
    lazyConnect: true,
    ...(role === 'queue'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 2, commandTimeout: 10_000, enableOfflineQueue: true, retryStrategy: (times: number) => Math.min(times * 200, 2_000) }),
  };
}

/**
 * A connected client. BullMQ's ESM build cannot load ioredis itself (it `require`s it), so queues
 * and workers are always handed a client made here, never bare options. Fails with CONFIG_INVALID
 * naming the (redacted) URL when Redis does not answer within `connectTimeoutMs`.
 */
export async function connectRedis(url: string, role: RedisRole, options: { connectionName?: string; connectTimeoutMs?: number } = {}): Promise<Redis> {
  const endpoint = parseRedisUrl(url);
  const client = new Redis({ ...redisClientOptions(endpoint, role, options.connectionName), connectTimeout: options.connectTimeoutMs ?? 5_000 });
  client.on('error', () => {}); // surfaced by the command that fails; ioredis would print it otherwise
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs ?? 5_000);
  } catch (cause) {
    client.disconnect();
    throw new ProoflineError('CONFIG_INVALID', `Cannot connect to Redis at ${redactRedisUrl(url)}: ${(cause as Error).message}; is it running and reachable?`, { cause, details: { redis: redactRedisUrl(url), role } });
  }
  return client;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then((value) => (clearTimeout(timer), resolve(value)), (error: unknown) => (clearTimeout(timer), reject(error as Error)));
  });
}

/**
 * A connected Redis Cluster client (ElastiCache / Valkey in cluster mode), seeded from one node or
 * the configuration endpoint in `url`; it discovers the other nodes itself. Every key a script
 * touches must share a slot, which the hash-tagged names of queue-names.ts guarantee. With TLS the
 * nodes' addresses are used as announced (ElastiCache's certificates name the endpoint, not IPs).
 */
export async function connectRedisCluster(url: string, role: RedisRole, options: { connectionName?: string; connectTimeoutMs?: number } = {}): Promise<Cluster> {
  const endpoint = parseRedisUrl(url);
  if (endpoint.db !== 0) throw new ProoflineError('CONFIG_INVALID', `--redis: expected database 0 for a Redis Cluster (it has no other), got ${endpoint.db} in ${redactRedisUrl(url)}`);
  const { host, port, lazyConnect: _lazy, ...redisOptions } = redisClientOptions(endpoint, role, options.connectionName);
  const cluster = new Cluster([{ host: host!, port: port! }], {
    lazyConnect: true,
    redisOptions: { ...redisOptions, connectTimeout: options.connectTimeoutMs ?? 5_000 },
    ...(endpoint.tls ? { dnsLookup: (address: string, callback: (error: Error | null, address: string) => void) => callback(null, address) } : {}),
    ...(role === 'command' ? { maxRedirections: 16, retryDelayOnFailover: 200 } : {}),
  });
  cluster.on('error', () => {});
  try {
    await withTimeout(cluster.connect(), options.connectTimeoutMs ?? 5_000);
  } catch (cause) {
    cluster.disconnect();
    throw new ProoflineError('CONFIG_INVALID', `Cannot connect to the Redis Cluster at ${redactRedisUrl(url)}: ${(cause as Error).message}; is it running, reachable, and in cluster mode?`, { cause, details: { redis: redactRedisUrl(url), role } });
  }
  return cluster;
}
