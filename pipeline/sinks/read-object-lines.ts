import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ProoflineError } from '../errors.ts';
import { DEFAULT_S3_CONFIG, toS3ClientConfig } from './s3-config.ts';
import { classifyS3Failure, s3Error } from './s3-failure.ts';
import { sinkError } from './sink-error.ts';
import { parseSinkUri } from './sink-uri.ts';
import type { CreateSinkOptions } from './create-sink.ts';

/**
 * Streams the lines of a text object — a problem set given as `--problems ./p.jsonl`,
 * `file:///…/p.jsonl.gz` or `s3://bucket/p.jsonl` — without holding it in memory. A name ending
 * in `.gz` is gunzipped. Lines come without their `\n` / `\r\n`; the caller numbers them.
 *
 * A missing file or object is INPUT_INVALID; a store that fails while opening or mid-stream is
 * the sink's read error with `retryable` set as for S3Sink.
 */
export async function* readObjectLines(uri: string, options: CreateSinkOptions = {}): AsyncGenerator<string> {
  const { stream, describe, close } = await openObjectStream(uri, options);
  try {
    const source = describe.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
    stream.on('error', (error) => source.destroy(error));
    const lines = createInterface({ input: source, crlfDelay: Infinity });
    try {
      for await (const line of lines) yield line;
    } catch (error) {
      if (error instanceof ProoflineError) throw error;
      const errno = (error as NodeJS.ErrnoException).code;
      const isCorrupt = errno === 'Z_DATA_ERROR' || errno === 'Z_BUF_ERROR';
      const failure = classifyS3Failure(error);
      throw sinkError('read', `Reading ${describe}: expected ${isCorrupt ? 'valid gzip data' : 'the whole object'}, got ${errno ?? (error as Error).name}: ${(error as Error).message}`, {
        cause: error,
        retryable: !isCorrupt && failure.retryable,
        details: { uri, errno },
      });
    } finally {
      lines.close();
    }
  } finally {
    stream.destroy();
    close();
  }
}

/** The raw (not gunzipped) byte stream of a local file or S3 object, plus what to call it in messages. */
export async function openObjectStream(uri: string, options: CreateSinkOptions = {}): Promise<{ stream: Readable; describe: string; close: () => void }> {
  const location = parseSinkUri(uri, 'the input location', options.cwd ?? process.cwd());
  if (location.kind === 'fs') {
    let handle;
    try {
      handle = await open(location.path, 'r');
    } catch (cause) {
      throw new ProoflineError('INPUT_INVALID', `Cannot read input file ${location.path}: expected a readable file, got ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
        cause,
        details: { path: location.path },
      });
    }
    return { stream: handle.createReadStream(), describe: location.path, close: () => undefined };
  }
  const describe = `s3://${location.bucket}/${location.prefix}`;
  if (location.prefix === '') {
    throw new ProoflineError('INPUT_INVALID', `Cannot read input object ${describe}: expected s3://bucket/key naming an object, got a bucket with no key`, { details: { uri } });
  }
  const client = new S3Client({ ...toS3ClientConfig(options.s3 ?? DEFAULT_S3_CONFIG, options.env), ...options.clientConfig });
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.prefix }));
    return { stream: response.Body as Readable, describe, close: () => client.destroy() };
  } catch (error) {
    client.destroy();
    if ((error as { name?: string }).name === 'NoSuchKey') {
      throw new ProoflineError('INPUT_INVALID', `Cannot read input object ${describe}: expected an object, got 404 NoSuchKey`, {
        cause: error,
        details: { uri },
      });
    }
    throw s3Error('read', { bucket: location.bucket, key: location.prefix, sinkUri: describe }, 'the object', error);
  }
}
