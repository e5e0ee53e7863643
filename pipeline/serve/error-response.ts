import { ProoflineError } from '../errors.ts';
import { ServeError } from './serve-error.ts';

export interface ErrorResponse {
  status: number;
  retryAfterS: number | null;
  body: { error: { code: string; message: string; field?: string; retryable: boolean } } & Record<string, unknown>;
  /** 5xx that nobody anticipated: log with the stack. */
  isUnexpected: boolean;
}

/**
 * The one translation from errors to HTTP, used by the app's setErrorHandler: ServeError by its
 * kind; errors that carry a 4xx/503 `statusCode` (fastify's, the adapters') as they are; a ProoflineError is an infrastructure failure → 503 + Retry-After (bad input → 400);
 * anything else → 500.
 */
export function errorResponse(error: unknown, retryAfterS: () => number): ErrorResponse {
  if (error instanceof ServeError) {
    const retry = error.retryAfterS ?? (error.status === 429 || error.status === 503 ? retryAfterS() : null);
    return {
      status: error.status,
      retryAfterS: retry,
      body: { ...error.body, error: { code: error.code, message: error.message, ...(error.field === null ? {} : { field: error.field }), retryable: retry !== null } },
      isUnexpected: false,
    };
  }
  // Errors that carry their own status (fastify's 4xx: body too large → 413, bad JSON → 400,
  // wrong content type → 415; the adapters' InvalidFieldError 400 and NoVerdictError 503).
  const coded = error as { statusCode?: unknown; code?: unknown; message?: string; headers?: Record<string, string>; field?: unknown; toJSON?: () => Record<string, unknown> };
  if (typeof coded.statusCode === 'number' && ((coded.statusCode >= 400 && coded.statusCode < 500) || coded.statusCode === 503)) {
    const header = coded.headers?.['retry-after'];
    const retry = header !== undefined ? Number(header) : coded.statusCode === 503 || coded.statusCode === 429 ? retryAfterS() : null;
    const json = typeof coded.toJSON === 'function' ? coded.toJSON() : {};
    return {
      status: coded.statusCode,
      retryAfterS: retry,
      body: { error: { ...json, code: typeof coded.code === 'string' ? coded.code : `HTTP_${coded.statusCode}`, message: coded.message ?? 'Bad request', ...(typeof coded.field === 'string' ? { field: coded.field } : {}), retryable: retry !== null } },
      isUnexpected: false,
    };
  }
  if (error instanceof ProoflineError) {
    const isInput = error.code === 'INPUT_INVALID' || error.code === 'CONFIG_INVALID';
    const retry = isInput ? null : retryAfterS();
    return { status: isInput ? 400 : 503, retryAfterS: retry, body: { error: { code: error.code, message: error.message, retryable: !isInput } }, isUnexpected: false };
  }
  return { status: 500, retryAfterS: null, body: { error: { code: 'INTERNAL', message: 'Unexpected server error (logged)', retryable: true } }, isUnexpected: true };
}
