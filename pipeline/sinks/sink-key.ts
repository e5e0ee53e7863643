import { ProoflineError } from '../errors.ts';

/**
 * Keys and list prefixes, checked once at the sink's edge so that FsSink and S3Sink accept exactly
 * the same keys: a key that would escape the root on disk (`../x`, `/etc/x`) or that S3 would store
 * under a different name than a file system (`a//b`, `a\b`) is an INPUT_INVALID error, never a write.
 */

/** Temp files of an in-progress FsSink write start with this; no key segment may. */
export const TEMP_FILE_PREFIX = '.proofline-tmp-';

const KEY_RULE = 'a relative path of "/"-separated segments, none empty, "." or "..", with no backslash, NUL or control character';

export function validateSinkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw invalid('key', key, 'it is empty or not a string');
  const problem = findProblem(key, key.split('/'));
  if (problem !== null) throw invalid('key', key, problem);
  return key;
}

/**
 * A list prefix is a key prefix in S3's sense: `runs/r1/` lists everything under that folder and
 * `runs/r1/records/part-` the parts. `''` lists everything. Its last segment may be partial or empty.
 */
export function validateListPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw invalid('list prefix', prefix, 'it is not a string');
  if (prefix === '') return prefix;
  const segments = prefix.split('/');
  const last = segments.pop()!;
  const problem = segments.length === 0 ? findProblem(prefix, [], last) : findProblem(prefix, segments, last);
  if (problem !== null) throw invalid('list prefix', prefix, problem);
  return prefix;
}

/** UTF-8 byte order, the order S3 lists keys in (JS's default sort is UTF-16 order, which differs for astral characters). */
export function compareSinkKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function findProblem(value: string, segments: string[], partialLast?: string): string | null {
  if (value.startsWith('/')) return 'it starts with "/" (absolute)';
  if (value.includes('\\')) return `it contains a backslash at index ${value.indexOf('\\')}`;
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/u.exec(value);
  if (control !== null) return `it contains control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} at index ${control.index}`;
  for (const [index, segment] of segments.entries()) {
    if (segment === '') return `segment ${index + 1} is empty`;
    if (segment === '.' || segment === '..') return `segment ${index + 1} is "${segment}"`;
    if (segment.startsWith(TEMP_FILE_PREFIX)) return `segment ${index + 1} starts with the reserved "${TEMP_FILE_PREFIX}"`;
  }
  if (partialLast !== undefined && (partialLast === '.' || partialLast === '..')) return `its last segment is "${partialLast}"`;
  return null;
}

function invalid(what: string, value: unknown, problem: string): ProoflineError {
  return new ProoflineError('INPUT_INVALID', `Expected a sink ${what}: ${KEY_RULE}; got ${JSON.stringify(value)} (${problem})`, {
    details: { [what === 'key' ? 'key' : 'prefix']: value },
  });
}
