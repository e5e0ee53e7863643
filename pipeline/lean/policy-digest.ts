import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.ts';
import type { Policy } from './policy.ts';

/**
 * sha256 of a policy's whole content (keys sorted), so that a policy file edited in place without
 * a version bump still gets a new verdict-cache key and a new resume key. `name@version` stays the
 * human label in provenance; this is what identity-sensitive keys use.
 */
export function policyDigest(policy: Policy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}
