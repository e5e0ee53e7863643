import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';

const MIB = 1024 * 1024;

/**
 * `s3:` in a build config: how to reach the store behind `s3://bucket/prefix` outputs and problem
 * sets. Credentials are never configured here: they come from the SDK's default chain (env,
 * profile/SSO, web identity, container or instance role).
 */
export const S3ConfigSchema = z
  .object({
    /** e.g. `http://127.0.0.1:9000` (MinIO). null = the SDK resolves it (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, profile, AWS). */
    endpoint: z.url().nullable().default(null),
    /** Path-style URLs (`endpoint/bucket/key`). null = true when an endpoint is set (config or AWS_ENDPOINT_URL[_S3]), else virtual-hosted. */
    force_path_style: z.boolean().nullable().default(null),
    /** null = the SDK resolves it (AWS_REGION, profile). S3-compatible stores accept any, e.g. `us-east-1`. */
    region: z.string().min(1).nullable().default(null),
    /**
     * Flexible checksums: `when_supported` (the SDK default: CRC32 on every upload and validated on
     * download, AWS S3) or `when_required` (only where the API requires one: s3rver, MinIO before
     * 2024, Ceph RGW and other S3-compatible stores that reject the new checksum headers or
     * aws-chunked bodies). null = `when_required` when an endpoint is set, else the SDK's own
     * (AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION, default when_supported).
     */
    checksums: z.enum(['when_supported', 'when_required']).nullable().default(null),
    /** Attempts per request, including the first, with the SDK's backoff between them. */
    max_attempts: z.number().int().positive().default(5),
    /** Bodies of this size or more are sent as a multipart upload; smaller ones as one PutObject. */
    multipart_threshold_mb: z.number().positive().default(16),
    /** Part size of multipart uploads (S3's minimum is 5 MiB, except the last part). */
    part_size_mb: z.number().min(5, 'expected at least 5 (S3 rejects smaller parts)').default(8),
    /** Parts of one object uploaded concurrently. */
    part_concurrency: z.number().int().positive().default(4),
    /** TCP connect timeout per attempt. */
    connect_timeout_ms: z.number().int().positive().default(5_000),
    /**
     * Idle timeout per attempt: no byte sent or received for this long fails the attempt (then
     * retried). An idle timeout, not a total one, so a large part on a slow link is never cut off.
     */
    socket_timeout_ms: z.number().int().positive().default(60_000),
  })
  .strict();

export type S3Config = z.infer<typeof S3ConfigSchema>;

export const DEFAULT_S3_CONFIG: S3Config = S3ConfigSchema.parse({});

/**
 * The S3Client options a config asks for. `env` is read only to know whether the SDK will find an
 * endpoint in AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (the defaults of force_path_style and
 * checksums depend on it); the endpoint itself is left to the SDK.
 */
export function toS3ClientConfig(config: S3Config, env: Record<string, string | undefined> = {}): S3ClientConfig {
  const hasEndpoint = config.endpoint !== null || (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true' && Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL));
  const checksums = config.checksums ?? (hasEndpoint ? 'when_required' : null);
  const checksumSetting = checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return {
    ...(config.endpoint !== null ? { endpoint: config.endpoint } : {}),
    ...(config.region !== null ? { region: config.region } : {}),
    forcePathStyle: config.force_path_style ?? hasEndpoint,
    ...(checksums !== null ? { requestChecksumCalculation: checksumSetting, responseChecksumValidation: checksumSetting } : {}),
    maxAttempts: config.max_attempts,
    requestHandler: { connectionTimeout: config.connect_timeout_ms, socketTimeout: config.socket_timeout_ms },
  };
}

export function multipartSettings(config: S3Config): { thresholdBytes: number; partSizeBytes: number; concurrency: number } {
  return {
    thresholdBytes: Math.round(config.multipart_threshold_mb * MIB),
    partSizeBytes: Math.round(config.part_size_mb * MIB),
    concurrency: config.part_concurrency,
  };
}
