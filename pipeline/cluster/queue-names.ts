import { ProoflineError } from '../errors.ts';

/**
 * Queue and key names of cluster mode. All of them live under one namespace (default
 * `proofline`; tests use one per test so they never see each other's jobs).
 *
 * Redis Cluster / ElastiCache cluster mode: BullMQ's Lua scripts touch several keys of a queue at
 * once (`wait`, `active`, `meta`, the job hash, …), and Redis Cluster refuses a script whose keys
 * are in different slots (CROSSSLOT). Only the part of a key inside the first `{…}` is hashed, so
 * the BullMQ prefix is the namespace in braces, `{proofline}`: every key of every queue of the
 * namespace lands in one slot. The per-entry cache and limiter keys carry their own hash tags
 * instead (`proofline:verdict:{<hash>}`), so the bulk of the data spreads over the cluster.
 */

export const QUEUE_STAGES = ['sample', 'check'] as const;
export type QueueStage = (typeof QUEUE_STAGES)[number];

/** Failed-for-good jobs with their error code, for the run's stats (BullMQ has no DLQ of its own). */
export const DEAD_LETTER_QUEUE = 'dead-letter';
export type QueueName = QueueStage | typeof DEAD_LETTER_QUEUE;

export const DEFAULT_NAMESPACE = 'proofline';
const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;

/** Validates a namespace: letters, digits, `.`, `_`, `-`; no `:` (BullMQ refuses it in names) and no braces (they would break the hash tag). */
export function checkNamespace(namespace: string): string {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new ProoflineError('CONFIG_INVALID', `Expected a cluster namespace of 1-64 letters, digits, \`.\`, \`_\`, \`-\` (no \`:\` or braces), got ${JSON.stringify(namespace)}`);
  }
  return namespace;
}

/** BullMQ's `prefix` option for every Queue, Worker and QueueEvents of the namespace: `{proofline}`. */
export function queuePrefix(namespace: string = DEFAULT_NAMESPACE): string {
  return `{${checkNamespace(namespace)}}`;
}

/**
 * A Redis key BullMQ keeps for a queue: `{proofline}:check:wait` is the list of waiting jobs (the
 * queue depth KEDA scales on). BullMQ builds these as `<prefix>:<queue>:<type>` (QueueKeys.toKey).
 */
export function queueKey(queue: QueueName, type: 'wait' | 'active' | 'delayed' | 'prioritized' | 'failed' | 'completed' | 'meta', namespace: string = DEFAULT_NAMESPACE): string {
  return `${queuePrefix(namespace)}:${queue}:${type}`;
}

/** Per-entry cache keys (`proofline:verdict:{<hash>}`); the value and its lock share the entry's slot. */
export function cacheKeys(kind: 'verdict' | 'sample', hash: string, namespace: string = DEFAULT_NAMESPACE): { value: string; lock: string } {
  const base = `${checkNamespace(namespace)}:${kind}`;
  return { value: `${base}:{${hash}}`, lock: `${base}-lock:{${hash}}` };
}

/** Keys of one cluster-wide rate limit (`proofline:limit:{bedrock-tokens}:…`); one hash tag so its script runs in one slot. */
export function limiterKeys(name: string, namespace: string = DEFAULT_NAMESPACE): { entries: string; units: string } {
  if (!NAMESPACE_PATTERN.test(name)) throw new ProoflineError('CONFIG_INVALID', `Expected a rate limit name of letters, digits, \`.\`, \`_\`, \`-\`, got ${JSON.stringify(name)}`);
  const base = `${checkNamespace(namespace)}:limit:{${name}}`;
  return { entries: `${base}:entries`, units: `${base}:units` };
}
