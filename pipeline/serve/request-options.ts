import type { FastifyRequest } from 'fastify';
import type { VerifyOptions } from './reward-contract.ts';
import type { ServeConfig } from './serve-config.ts';
import { ServeError } from './serve-error.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who asked (fair queuing): the bearer token's client, else `X-Client-Id`, else the remote address. Set by the app's onRequest hook. */
    clientId: string;
    /** Date.now() when the request arrived (the deadline counts from here). Set by the app's onRequest hook. */
    receivedAtMs: number;
  }
}

/** Relative deadline in milliseconds from when the request arrives (no clock sync needed). */
export const DEADLINE_HEADER = 'x-deadline-ms';
export const CLIENT_ID_HEADER = 'x-client-id';
/** The adapters' header (seconds); honoured here too so one header works on every route. */
export const TIMEOUT_S_HEADER = 'x-proofline-timeout-s';

/**
 * The `VerifyOptions` for a request, for /v1/verify and every adapter alike. The deadline is the
 * smallest of `X-Deadline-Ms` (ms), `X-Proofline-Timeout-S` (s) and the body's own timeout (`bodyTimeoutS`, e.g. `timeout_s`), else
 * `serve.deadline.default_timeout_s`, and never more than `serve.deadline.max_timeout_s`.
 */
export function verifyOptionsFor(request: FastifyRequest, config: ServeConfig, bodyTimeoutS?: number | null, requireFormat?: boolean): VerifyOptions {
  const arrivedMs = request.receivedAtMs > 0 ? request.receivedAtMs : Date.now();
  const candidatesMs: number[] = [];
  for (const [name, label, unitMs] of [[DEADLINE_HEADER, 'X-Deadline-Ms', 1], [TIMEOUT_S_HEADER, 'X-Proofline-Timeout-S', 1000]] as const) {
    const header = request.headers[name];
    if (header === undefined) continue;
    const value = Array.isArray(header) ? header[0] : header;
    const amount = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(amount) || amount <= 0) {
      throw new ServeError('invalid_request', `Expected header ${label} to be a positive number of ${unitMs === 1 ? 'milliseconds' : 'seconds'}, got ${JSON.stringify(value)}`, { field: label });
    }
    candidatesMs.push(amount * unitMs);
  }
  if (bodyTimeoutS !== undefined && bodyTimeoutS !== null) candidatesMs.push(bodyTimeoutS * 1000);
  const wantedMs = candidatesMs.length > 0 ? Math.min(...candidatesMs) : config.deadline.default_timeout_s * 1000;
  const options: VerifyOptions = { clientId: request.clientId, deadlineAtMs: arrivedMs + Math.min(wantedMs, config.deadline.max_timeout_s * 1000) };
  if (requireFormat !== undefined) options.requireFormat = requireFormat;
  return options;
}

/** Without auth: `X-Client-Id` (trimmed, at most 128 characters) or the remote address. */
export function unauthenticatedClientId(request: FastifyRequest): string {
  const header = request.headers[CLIENT_ID_HEADER];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value !== undefined && value !== '' ? `id:${value.slice(0, 128)}` : `ip:${request.ip}`;
}
