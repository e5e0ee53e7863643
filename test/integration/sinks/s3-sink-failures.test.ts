import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProoflineError, isProoflineError } from '../../../pipeline/errors.ts';
import { S3ConfigSchema } from '../../../pipeline/sinks/s3-config.ts';
import { createS3Sink, type S3Sink } from '../../../pipeline/sinks/s3-sink.ts';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverServer } from '../../helpers/s3rver-server.ts';

const caught = async (promise: Promise<unknown>): Promise<ProoflineError> => {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof ProoflineError)) throw new Error(`expected a ProoflineError, got ${String(error)}`);
  return error;
};

describe('S3Sink against s3rver: the store going away and coming back', () => {
  let s3: S3rverServer;
  const sinks: S3Sink[] = [];
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
    await s3.restart();
  });
  afterAll(async () => {
    await s3.close();
  });
  const open = (bucket: string, overrides = {}) => {
    const sink = createS3Sink({ bucket, prefix: 'nightly' }, s3.s3Config({ max_attempts: 3, connect_timeout_ms: 500, socket_timeout_ms: 2000, ...overrides }), s3.sinkDeps);
    sinks.push(sink);
    return sink;
  };

  it('retries a put while the server is down, then fails with a retryable error naming bucket and key; after a restart the same put succeeds', async () => {
    const bucket = await s3.createBucket();
    const sink = open(bucket);
    await sink.put('runs/r1/records/part-00000.jsonl.gz', 'first part');
    await s3.stop();

    const started = performance.now();
    const error = await caught(sink.put('runs/r1/records/part-00001.jsonl.gz', 'second part'));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ operation: 'put', bucket, key: 'nightly/runs/r1/records/part-00001.jsonl.gz', received: 'ECONNREFUSED', attempts: 3 });
    expect(error.message).toContain(`s3://${bucket}/nightly/runs/r1/records/part-00001.jsonl.gz`);
    expect(error.message).toContain('expected the object stored (11 bytes), got ECONNREFUSED');

    await s3.restart();
    expect(await sink.put('runs/r1/records/part-00001.jsonl.gz', 'second part')).toMatchObject({ bytes: 11 });
    expect(await sink.list('runs/r1/')).toEqual(['runs/r1/records/part-00000.jsonl.gz', 'runs/r1/records/part-00001.jsonl.gz']);
  });

  it('fails a multipart upload whose server went away as retryable, and leaves no object under the key', async () => {
    const bucket = await s3.createBucket();
    const sink = open(bucket, { multipart_threshold_mb: 5, part_size_mb: 5 });
    await s3.stop();
    const error = await caught(sink.put('big.bin', new Uint8Array(6 * 1024 * 1024)));
    expect(error.retryable).toBe(true);
    await s3.restart();
    expect(await sink.get('big.bin')).toBeNull();
  });

  it('reports a missing bucket as not retryable, asked once', async () => {
    const sink = open('no-such-bucket-here');
    const before = s3.requests.length;
    const error = await caught(sink.put('x.json', '{}'));
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ status: 404, received: '404 NoSuchBucket', attempts: 1 });
    expect(error.message).toContain('s3://no-such-bucket-here/nightly/x.json');
    expect(s3.requests.length - before).toBe(1);
    expect(isProoflineError(await caught(sink.list('')))).toBe(true);
  });

  it('sends bodies below the threshold as one PutObject and larger ones as a multipart upload', async () => {
    const bucket = await s3.createBucket();
    const sink = open(bucket, { multipart_threshold_mb: 5, part_size_mb: 5 });
    const start = s3.requests.length;
    await sink.put('small.json', '{}');
    await sink.put('big.bin', new Uint8Array(6 * 1024 * 1024 + 1));
    const seen = s3.requests.slice(start).map((r) => r.replace(/uploadId=[^&]+/u, 'uploadId=U').replace(/\?x-id=[A-Za-z]+&?/u, '?').replace(/\?$/u, ''));
    expect(seen.filter((r) => r.startsWith('PUT') && !r.includes('partNumber'))).toEqual([`PUT /${bucket}/nightly/small.json`]);
    expect(seen.filter((r) => r.includes('?uploads'))).toHaveLength(1);
    expect(seen.filter((r) => r.includes('partNumber='))).toHaveLength(2);
  });
});

/** A loopback server that speaks S3's error format, to drive one failure deterministically. */
function faultServer(respond: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; endpoint: string; hits: () => number }> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    request.resume();
    request.on('end', () => respond(request, response));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => count })));
}

const s3ErrorXml = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`;

describe('S3Sink failure classification against a loopback fault server', () => {
  const servers: Server[] = [];
  const sinks: S3Sink[] = [];
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  const sinkAt = (endpoint: string, overrides = {}) => {
    const config = S3ConfigSchema.parse({ endpoint, region: 'us-east-1', max_attempts: 3, socket_timeout_ms: 300, ...overrides });
    const sink = createS3Sink({ bucket: 'proofline-out', prefix: '' }, config, { clientConfig: { credentials: S3RVER_CREDENTIALS } });
    sinks.push(sink);
    return sink;
  };

  it('retries 503 SlowDown up to max_attempts, then fails as retryable with status and S3 code', async () => {
    const fault = await faultServer((_, res) => res.writeHead(503, { 'content-type': 'application/xml' }).end(s3ErrorXml('SlowDown', 'Please reduce your request rate.')));
    servers.push(fault.server);
    const error = await caught(sinkAt(fault.endpoint).put('a.json', '{}'));
    expect(fault.hits()).toBe(3);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ status: 503, received: '503 SlowDown', attempts: 3 });
    expect(error.message).toContain('got 503 SlowDown ("Please reduce your request rate.") after 3 attempts');
  });

  it('does not retry 403 AccessDenied and fails as not retryable', async () => {
    const fault = await faultServer((_, res) => res.writeHead(403, { 'content-type': 'application/xml' }).end(s3ErrorXml('AccessDenied', 'Access Denied')));
    servers.push(fault.server);
    const error = await caught(sinkAt(fault.endpoint).put('a.json', '{}'));
    expect(fault.hits()).toBe(1);
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ status: 403, received: '403 AccessDenied' });
  });

  it('times out a server that never answers, retries, and fails as retryable', async () => {
    const fault = await faultServer(() => undefined);
    servers.push(fault.server);
    const started = performance.now();
    const error = await caught(sinkAt(fault.endpoint).get('a.json'));
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(fault.hits()).toBe(3);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ operation: 'get', bucket: 'proofline-out', key: 'a.json' });
  });

  it('aborts a multipart upload whose completion failed, so no parts are left billed, and fails as retryable', async () => {
    const seen: string[] = [];
    const fault = await faultServer((req, res) => {
      const url = req.url ?? '';
      seen.push(`${req.method} ${url.replace(/uploadId=[^&]+/u, 'uploadId=U').replace(/x-id=[A-Za-z]+&?/u, '').replace(/[?&]$/u, '')}`);
      if (req.method === 'POST' && url.includes('uploads')) {
        res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult><Bucket>proofline-out</Bucket><Key>big.bin</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>');
      } else if (req.method === 'PUT') {
        res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"' }).end();
      } else if (req.method === 'DELETE') {
        res.writeHead(204).end();
      } else {
        res.writeHead(500, { 'content-type': 'application/xml' }).end(s3ErrorXml('InternalError', 'We encountered an internal error.'));
      }
    });
    servers.push(fault.server);
    const error = await caught(sinkAt(fault.endpoint, { multipart_threshold_mb: 5, part_size_mb: 5, max_attempts: 1, part_concurrency: 1 }).put('big.bin', new Uint8Array(6 * 1024 * 1024)));
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ operation: 'put', key: 'big.bin' });
    expect(seen).toEqual(['POST /proofline-out/big.bin?uploads=', 'PUT /proofline-out/big.bin?partNumber=1&uploadId=U', 'PUT /proofline-out/big.bin?partNumber=2&uploadId=U', 'POST /proofline-out/big.bin?uploadId=U', 'DELETE /proofline-out/big.bin?uploadId=U']);
  });

  it('treats a 500 InternalError on list as retryable', async () => {
    const fault = await faultServer((_, res) => res.writeHead(500, { 'content-type': 'application/xml' }).end(s3ErrorXml('InternalError', 'We encountered an internal error.')));
    servers.push(fault.server);
    const error = await caught(sinkAt(fault.endpoint, { max_attempts: 2 }).list('runs/'));
    expect(fault.hits()).toBe(2);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ operation: 'list', received: '500 InternalError' });
  });
});
