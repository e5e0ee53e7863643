import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { createSink } from '../../../pipeline/sinks/create-sink.ts';
import { FsSink } from '../../../pipeline/sinks/fs-sink.ts';
import { S3Sink } from '../../../pipeline/sinks/s3-sink.ts';
import { parseSinkUri } from '../../../pipeline/sinks/sink-uri.ts';

const parse = (uri: string) => parseSinkUri(uri, '--out', '/home/u/proj');

describe('parseSinkUri / createSink', () => {
  it('maps paths and file URLs to a directory, relative ones against cwd', () => {
    expect(parse('./out')).toEqual({ kind: 'fs', path: '/home/u/proj/out' });
    expect(parse('out/nightly/')).toEqual({ kind: 'fs', path: '/home/u/proj/out/nightly' });
    expect(parse('../shared/out')).toEqual({ kind: 'fs', path: '/home/u/shared/out' });
    expect(parse('/abs/out')).toEqual({ kind: 'fs', path: '/abs/out' });
    expect(parse('file:///abs/my%20out')).toEqual({ kind: 'fs', path: '/abs/my out' });
  });

  it('maps s3:// URIs to bucket and prefix, trailing slashes dropped', () => {
    expect(parse('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parse('s3://my-bucket/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parse('s3://my.bucket-1/datasets/nightly/')).toEqual({ kind: 's3', bucket: 'my.bucket-1', prefix: 'datasets/nightly' });
  });

  it.each([
    ['', 'it is empty'],
    ['gs://bucket/x', 'scheme "gs:" is not supported'],
    ['S3://bucket/x', 'scheme "S3:" is not supported'],
    ['https://bucket.s3.amazonaws.com/x', 'scheme "https:" is not supported'],
    ['s3:/bucket/x', 'expected `s3://` followed by a bucket'],
    ['s3://', 'bucket "" is not a valid S3 bucket name'],
    ['s3://My_Bucket/x', 'bucket "My_Bucket" is not a valid S3 bucket name'],
    ['s3://bucket/a//b', 'prefix "a//b"'],
    ['s3://bucket/../x', 'prefix "../x"'],
    ['s3://bucket/x?versionId=1', 'no query or fragment'],
    ['file://otherhost/x', 'it is not a local file URL'],
  ])('refuses %j with CONFIG_INVALID (%s)', (uri, why) => {
    let error: unknown = null;
    try {
      parse(uri);
    } catch (e) {
      error = e;
    }
    expect(isProoflineError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain(`Expected --out to be a directory path (\`./out\`, \`/abs/out\`), a \`file:///abs/path\` URL or \`s3://bucket[/prefix]\`; got ${JSON.stringify(uri)}`);
    expect((error as Error).message).toContain(why);
  });

  it('creates an FsSink or an S3Sink with the URI it will report', async () => {
    const fs = createSink('./out', { cwd: '/tmp/proj' });
    expect(fs).toBeInstanceOf(FsSink);
    expect(fs.uri).toBe('file:///tmp/proj/out');
    const s3 = createSink('s3://my-bucket/datasets/nightly/', { s3: undefined });
    expect(s3).toBeInstanceOf(S3Sink);
    expect(s3.uri).toBe('s3://my-bucket/datasets/nightly');
    expect((s3 as S3Sink).prefix).toBe('datasets/nightly');
    await s3.close();
  });
});
