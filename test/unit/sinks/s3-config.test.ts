import { describe, expect, it } from 'vitest';
import { S3ConfigSchema, toS3ClientConfig } from '../../../pipeline/sinks/s3-config.ts';
import { classifyS3Failure } from '../../../pipeline/sinks/s3-failure.ts';

const config = (raw: Record<string, unknown> = {}) => S3ConfigSchema.parse(raw);

describe('s3 config → S3Client options', () => {
  it('leaves endpoint, region and checksums to the SDK when nothing points at another store', () => {
    const options = toS3ClientConfig(config(), {});
    expect(options).toEqual({ forcePathStyle: false, maxAttempts: 5, requestHandler: { connectionTimeout: 5000, socketTimeout: 60_000 } });
  });

  it('with an endpoint in the config: path style and WHEN_REQUIRED checksums by default', () => {
    expect(toS3ClientConfig(config({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' }))).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  it('with an endpoint only in AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL: same defaults, endpoint still resolved by the SDK', () => {
    for (const env of [{ AWS_ENDPOINT_URL_S3: 'http://minio:9000' }, { AWS_ENDPOINT_URL: 'http://ceph:7480' }]) {
      const options = toS3ClientConfig(config(), env);
      expect(options.endpoint).toBeUndefined();
      expect(options).toMatchObject({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    }
    expect(toS3ClientConfig(config(), { AWS_ENDPOINT_URL_S3: 'http://minio:9000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).forcePathStyle).toBe(false);
  });

  it('lets explicit settings win over the endpoint-derived defaults', () => {
    expect(toS3ClientConfig(config({ endpoint: 'https://s3.example.com', force_path_style: false, checksums: 'when_supported' }))).toMatchObject({
      forcePathStyle: false,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
    });
  });

  it('refuses parts below S3\'s 5 MiB minimum and unknown keys', () => {
    expect(S3ConfigSchema.safeParse({ part_size_mb: 4 }).success).toBe(false);
    expect(S3ConfigSchema.safeParse({ access_key_id: 'AKIA…' }).success).toBe(false);
  });
});

describe('classifyS3Failure', () => {
  const sdk = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('m'), { name, ...extra, $metadata: { httpStatusCode: status, attempts: 2 } });

  it.each([
    [sdk('SlowDown', 503), true, '503 SlowDown'],
    [sdk('InternalError', 500), true, '500 InternalError'],
    [sdk('TooManyRequestsException', 429), true, '429 TooManyRequestsException'],
    [sdk('RequestTimeout', 400), true, '400 RequestTimeout'],
    [sdk('AccessDenied', 403), false, '403 AccessDenied'],
    [sdk('NoSuchBucket', 404), false, '404 NoSuchBucket'],
    [sdk('InvalidAccessKeyId', 403), false, '403 InvalidAccessKeyId'],
    [Object.assign(new Error('connect'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } }), true, 'ECONNREFUSED'],
    [Object.assign(new Error('reset'), { code: 'ECONNRESET' }), true, 'ECONNRESET'],
    [Object.assign(new Error('idle'), { name: 'TimeoutError' }), true, 'TimeoutError'],
    [Object.assign(new Error('dns'), { code: 'ENOTFOUND' }), false, 'ENOTFOUND'],
  ])('%#: retryable=%s for %s', (error, retryable, received) => {
    expect(classifyS3Failure(error)).toMatchObject({ retryable, received });
  });
});
