import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { VerifyOptions } from '../reward-contract.ts';
import { InvalidFieldError } from './adapter-errors.ts';

/**
 * What every adapter needs from a request besides its body: who is asking (fair queuing), by when
 * the answer is due, and whether the format gate applies. All three come from the HTTP layer, so
 * trainers that can only be given a URL (OpenRLHF) can still set them:
 *
 * - `request.clientId` when the app's onRequest hook set it (bearer token's client), else the
 *   `X-Client-Id` header (≤ 128 chars), else `ip:<remote address>`.
 * - `X-Proofline-Timeout-S` header (seconds from now, 0 < t ≤ MAX_TIMEOUT_S), else the adapter's
 *   default, chosen under its trainer's own HTTP timeout.
 * - `?require_format=true|false` query parameter, else the service default.
 */
export const MAX_TIMEOUT_S = 900;

export function verifyOptions(request: FastifyRequest, defaultTimeoutS: number, nowMs = Date.now()): VerifyOptions {
  const client = headerValue(request, 'x-client-id');
  if (client !== undefined && (client.length === 0 || client.length > 128)) {
    throw new InvalidFieldError('x-client-id', `expected 1 to 128 characters, got ${client.length}`);
  }
  const timeoutText = headerValue(request, 'x-proofline-timeout-s');
  let timeoutS = defaultTimeoutS;
  if (timeoutText !== undefined) {
    timeoutS = Number(timeoutText);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > MAX_TIMEOUT_S) {
      throw new InvalidFieldError('x-proofline-timeout-s', `expected seconds in (0, ${MAX_TIMEOUT_S}], got ${JSON.stringify(timeoutText)}`);
    }
  }
  const fromApp = (request as { clientId?: unknown }).clientId;
  const arrivedMs = (request as { receivedAtMs?: unknown }).receivedAtMs;
  const startMs = typeof arrivedMs === 'number' && arrivedMs > 0 ? arrivedMs : nowMs;
  const clientId = typeof fromApp === 'string' && fromApp !== '' ? fromApp : client !== undefined ? `id:${client}` : `ip:${request.ip}`;
  const options: VerifyOptions = { clientId, deadlineAtMs: startMs + Math.round(timeoutS * 1000) };
  const requireFormat = queryFlag(request, 'require_format');
  if (requireFormat !== undefined) options.requireFormat = requireFormat;
  return options;
}

/** Validate a body against a zod schema; the first issue becomes a 400 naming its path (`labels[3]`). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, root = 'body'): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new InvalidFieldError(root, 'does not match the expected shape');
  throw new InvalidFieldError(fieldPath(issue.path, root), issue.message);
}

/** `['labels', 3]` → `labels[3]`; `[]` → the root name. */
export function fieldPath(path: readonly PropertyKey[], root = 'body'): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? root : out.startsWith('[') ? `${root}${out}` : out;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function queryFlag(request: FastifyRequest, name: string): boolean | undefined {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const value = query[name];
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidFieldError(`?${name}`, `expected true, false, 1 or 0, got ${JSON.stringify(value)}`);
}
