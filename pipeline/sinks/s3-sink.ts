import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, paginateListObjectsV2, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PutOptions, PutResult, Sink } from './sink.ts';
import { DEFAULT_S3_CONFIG, multipartSettings, toS3ClientConfig, type S3Config } from './s3-config.ts';
import { s3Error } from './s3-failure.ts';
import { compareSinkKeys, validateListPrefix, validateSinkKey } from './sink-key.ts';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/`; '' for the bucket's root. */
  prefix: string;
}

export interface S3SinkDeps {
  /** Read only to resolve defaults that depend on AWS_ENDPOINT_URL[_S3] (see toS3ClientConfig). */
  env?: Record<string, string | undefined>;
  /** Merged over the config's client options; tests pass loopback credentials here. */
  clientConfig?: Partial<S3ClientConfig>;
}

/**
 * A sink on `s3://bucket/prefix` (AWS S3 or an S3-compatible store). Bodies below the multipart
 * threshold go up as one PutObject with Content-MD5 (the store verifies it); larger ones as a
 * multipart Upload, aborted on failure. S3 makes an object visible only once its PUT or
 * CompleteMultipartUpload succeeded, so a reader never sees a partial object. `sha256` and `bytes`
 * are computed here from the bytes sent. Failures surface after the SDK's own retries as the
 * sink's ProoflineError with `retryable` set (5xx, throttling, network, timeouts) or not.
 */
export class S3Sink implements Sink {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly multipart: ReturnType<typeof multipartSettings>;

  constructor(location: S3Location, config: S3Config = DEFAULT_S3_CONFIG, deps: S3SinkDeps = {}) {
    this.bucket = location.bucket;
    this.prefix = location.prefix;
    this.uri = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.client = new S3Client({ ...toS3ClientConfig(config, deps.env), ...deps.clientConfig });
    this.multipart = multipartSettings(config);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
    validateSinkKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const objectKey = this.objectKey(key);
    const params = { Bucket: this.bucket, Key: objectKey, ContentType: options.contentType ?? 'application/octet-stream' };
    try {
      if (bytes.byteLength < this.multipart.thresholdBytes) {
        const md5 = createHash('md5').update(bytes).digest('base64');
        await this.client.send(new PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.byteLength, ContentMD5: md5 }));
      } else {
        const upload = new Upload({
          client: this.client,
          params: { ...params, Body: bytes },
          partSize: this.multipart.partSizeBytes,
          queueSize: this.multipart.concurrency,
          leavePartsOnError: false,
        });
        await upload.done();
      }
    } catch (error) {
      throw s3Error('put', this.target(objectKey), `the object stored (${bytes.byteLength} bytes)`, error);
    }
    return { key, bytes: bytes.byteLength, sha256 };
  }

  async get(key: string): Promise<Uint8Array | null> {
    validateSinkKey(key);
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (response.Body === undefined) return new Uint8Array();
      return await response.Body.transformToByteArray();
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw s3Error('get', this.target(objectKey), 'the object or 404 NoSuchKey', error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    validateListPrefix(prefix);
    const fullPrefix = this.objectKey(prefix);
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    const keys: string[] = [];
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: fullPrefix })) {
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) keys.push(object.Key.slice(strip));
        }
      }
    } catch (error) {
      throw s3Error('list', this.target(fullPrefix), 'a listing of the prefix', error);
    }
    return keys.sort(compareSinkKeys);
  }

  async delete(key: string): Promise<void> {
    validateSinkKey(key);
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return;
      throw s3Error('delete', this.target(objectKey), '204 (deleted or absent)', error);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  private target(key: string) {
    return { bucket: this.bucket, key, sinkUri: this.uri };
  }
}

export function createS3Sink(location: S3Location, config: S3Config = DEFAULT_S3_CONFIG, deps: S3SinkDeps = {}): S3Sink {
  return new S3Sink(location, config, deps);
}
