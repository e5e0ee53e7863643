import type { ErrorCode } from '../errors.ts';

/**
 * HTTP status → sampler error code, shared by every HTTP backend (and Bedrock's fallback for
 * error names it does not know). null = not an error status we classify.
 */
export function codeForHttpStatus(status: number): ErrorCode | null {
  if (status >= 200 && status < 300) return 'SAMPLER_RESPONSE_INVALID'; // an error on a 2xx: the body did not parse
  if (status === 429) return 'SAMPLER_THROTTLED';
  if (status === 408) return 'SAMPLER_TIMEOUT';
  if (status === 401 || status === 403) return 'SAMPLER_ACCESS_DENIED';
  if (status === 404) return 'SAMPLER_MODEL_NOT_FOUND';
  if (status === 400 || status === 413 || status === 422) return 'SAMPLER_REQUEST_INVALID';
  if (status >= 500) return 'SAMPLER_UNAVAILABLE';
  return null;
}

/** Node/undici error codes that mean "could not talk to the endpoint": retryable as SAMPLER_UNAVAILABLE. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
  'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_STREAM_CANCEL',
]);
