import { createHash } from 'node:crypto';
import type { Policy } from './policy.ts';

/**
 * sha256 of a policy's whole content (keys sorted), so that a policy file edited in place without
 * a version bump still gets a new verdict-cache key and a new resume key. `name@version` stays the
 * human label in provenance; this is what identity-sensitive keys use.
 */
export function policyDigest(policy: Policy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
