import { createHash } from 'node:crypto';

/** What identifies a request for caching: same backend, model, sample index and wire body. */
export interface RequestIdentity {
  kind: string;
  model: string;
  sampleIndex: number;
  body: unknown;
}

/**
 * sha256 of the canonical JSON of the request identity. The sample index is part of it because
 * backends without seeds (Bedrock Converse) send n identical bodies for n samples, and n samples
 * must not collapse into one cached answer. Endpoint URLs and credentials are not part of it.
 */
export function hashRequest(identity: RequestIdentity): string {
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}

/** JSON with object keys sorted at every level, so key order never changes a hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) sorted[key] = sortKeys(child);
  }
  return sorted;
}
