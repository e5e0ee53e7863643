import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { S3ConfigSchema, type S3Config } from '../../pipeline/sinks/s3-config.ts';
import type { S3SinkDeps } from '../../pipeline/sinks/s3-sink.ts';

/** The part of s3rver's API we use (it ships no types). */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** s3rver checks SigV4 signatures against these fixed keys. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * A real S3 API server (s3rver: Koa + files on disk) on 127.0.0.1, for tests and benchmarks.
 *
 *   const s3 = await startS3rver();           // port 0: a free port; data in a fresh tmp dir
 *   const bucket = await s3.createBucket();   // a fresh bucket per test
 *   const sink = createS3Sink({ bucket, prefix: 'p' }, s3.s3Config({ max_attempts: 2 }), s3.sinkDeps);
 *   await s3.stop(); await s3.restart();      // the store going away and coming back (same port, same data)
 *   await s3.close();                         // stop and remove the data
 *
 * Credentials reach the SDK through `sinkDeps.clientConfig`, never the process environment.
 */
export interface S3rverServer {
  readonly port: number;
  readonly endpoint: string;
  readonly directory: string;
  /** The `s3:` config section pointing at this server (path style, checksums when_required, region us-east-1). */
  s3Config(overrides?: Partial<S3Config>): S3Config;
  /** Deps for createS3Sink / createSink / readObjectLines: the loopback credentials. */
  readonly sinkDeps: Required<Pick<S3SinkDeps, 'clientConfig'>>;
  /** Full S3Client options for a test's own client. */
  clientConfig(): S3ClientConfig;
  /** Creates a bucket (a fresh unique name unless given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Every request the server received, as `METHOD /path?query`, in order (across restarts). */
  readonly requests: string[];
  readonly isRunning: boolean;
  /** Stops listening and drops open connections (keep-alive sockets too), like a crashed store. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data directory. */
  restart(): Promise<void>;
  /** Stops (if running) and removes the data directory. */
  close(): Promise<void>;
}

export async function startS3rver(options: { port?: number; directory?: string } = {}): Promise<S3rverServer> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'proofline-s3rver-')));
  const ownsDirectory = options.directory === undefined;
  let instance: S3rverInstance | null = null;
  let port = options.port ?? 0;
  const requests: string[] = [];

  const listen = async (): Promise<void> => {
    const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory });
    const address = await server.run();
    port = address.port;
    server.httpServer?.on('request', (request: { method?: string; url?: string }) => requests.push(`${request.method} ${request.url}`));
    instance = server;
  };
  const stop = async (): Promise<void> => {
    const server = instance;
    if (server === null) return;
    instance = null;
    server.httpServer?.closeAllConnections();
    await server.close();
  };
  await listen();
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (): S3ClientConfig => ({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    port,
    endpoint,
    directory,
    s3Config: (overrides = {}) => S3ConfigSchema.parse({ endpoint, region: 'us-east-1', ...overrides }),
    sinkDeps: { clientConfig: { credentials: S3RVER_CREDENTIALS } },
    clientConfig,
    requests,
    async createBucket(name = `test-${randomUUID().slice(0, 18)}`) {
      const client = new S3Client(clientConfig());
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
      return name;
    },
    get isRunning() {
      return instance !== null;
    },
    stop,
    restart: async () => {
      if (instance === null) await listen();
    },
    close: async () => {
      await stop();
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
