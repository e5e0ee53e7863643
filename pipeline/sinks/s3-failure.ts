import type { ProoflineError } from '../errors.ts';
import { sinkError, type SinkOperation } from './sink-error.ts';

/**
 * Turns what the SDK threw (after its own retries) into a ProoflineError that says whether a rerun
 * can succeed. Classified by HTTP status, S3 error code and errno, never by message text.
 */

/** S3 error codes that mean "try again later" whatever their status. */
const TRANSIENT_S3_CODES: ReadonlySet<string> = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException',
  'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'OperationAborted',
]);
/** Network failures: the store went away, reset or never answered. */
const TRANSIENT_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'UND_ERR_SOCKET',
]);
/** Smithy's names for an attempt that timed out (connect or socket idle). */
const TIMEOUT_NAMES: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout']);

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

export interface S3Failure {
  retryable: boolean;
  /** What came back, for the message: `503 SlowDown`, `ECONNREFUSED`, `TimeoutError`. */
  received: string;
  status: number | null;
  attempts: number | null;
}

export function classifyS3Failure(error: unknown): S3Failure {
  const e = (error ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode ?? null;
  const attempts = e.$metadata?.attempts ?? null;
  const s3Code = e.Code ?? (status !== null ? e.name : undefined);
  const errno = typeof e.code === 'string' ? e.code : undefined;
  let retryable = false;
  if (status !== null && (status >= 500 || status === 429)) retryable = true;
  else if (s3Code !== undefined && TRANSIENT_S3_CODES.has(s3Code)) retryable = true;
  else if (errno !== undefined && TRANSIENT_ERRNOS.has(errno)) retryable = true;
  else if (e.name !== undefined && TIMEOUT_NAMES.has(e.name)) retryable = true;
  const received = status !== null ? `${status} ${s3Code ?? 'error'}` : (errno ?? e.name ?? 'an error');
  return { retryable, received, status, attempts };
}

export function s3Error(
  operation: SinkOperation,
  target: { bucket: string; key: string; sinkUri: string },
  expected: string,
  cause: unknown,
): ProoflineError {
  const failure = classifyS3Failure(cause);
  const message = (cause as SdkError | undefined)?.message;
  const attempts = failure.attempts === null ? '' : ` after ${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`;
  const verdict = failure.retryable ? 'retryable: the store may succeed later' : 'not retryable: fix access, bucket or request first';
  return sinkError(
    operation,
    `S3 ${operation} of s3://${target.bucket}/${target.key}: expected ${expected}, got ${failure.received}${message ? ` (${JSON.stringify(message)})` : ''}${attempts}; ${verdict}`,
    {
      cause,
      retryable: failure.retryable,
      details: { sink: target.sinkUri, bucket: target.bucket, key: target.key, status: failure.status, received: failure.received, attempts: failure.attempts },
    },
  );
}
