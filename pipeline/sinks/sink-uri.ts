import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProoflineError } from '../errors.ts';
import { validateSinkKey } from './sink-key.ts';
import type { S3Location } from './s3-sink.ts';

export type SinkLocation = { kind: 'fs'; path: string } | ({ kind: 's3' } & S3Location);

const ACCEPTED = 'a directory path (`./out`, `/abs/out`), a `file:///abs/path` URL or `s3://bucket[/prefix]`';
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/u;
/** S3's bucket naming rules (general-purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/u;

/**
 * Where `--out` or `--problems` points: a local path (relative to `cwd`) or an S3 location. Any
 * other scheme (`gs://`, `http://`, `S3://`, `s3:/bucket`) is a CONFIG_INVALID error, not a
 * directory named after it.
 */
export function parseSinkUri(uri: string, what: string, cwd: string): SinkLocation {
  if (typeof uri !== 'string' || uri.trim() === '') throw invalid(what, uri, 'it is empty');
  const scheme = SCHEME.exec(uri)?.[1];
  if (scheme === undefined) return { kind: 'fs', path: isAbsolute(uri) ? resolve(uri) : resolve(cwd, uri) };
  if (scheme === 'file') {
    try {
      return { kind: 'fs', path: fileURLToPath(uri) };
    } catch (cause) {
      throw invalid(what, uri, `it is not a local file URL (${(cause as Error).message})`);
    }
  }
  if (scheme === 's3') return parseS3(uri, what);
  throw invalid(what, uri, `scheme "${scheme}:" is not supported`);
}

function parseS3(uri: string, what: string): SinkLocation {
  const match = /^s3:\/\/([^/?#]*)(?:\/([^?#]*))?$/u.exec(uri);
  if (match === null) throw invalid(what, uri, 'expected `s3://` followed by a bucket, with no query or fragment');
  const bucket = match[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw invalid(what, uri, `bucket "${bucket}" is not a valid S3 bucket name (3-63 of a-z, 0-9, ".", "-", starting and ending with a letter or digit)`);
  }
  const prefix = (match[2] ?? '').replace(/\/+$/u, '');
  if (prefix !== '') {
    try {
      validateSinkKey(prefix);
    } catch (error) {
      throw invalid(what, uri, `prefix "${prefix}": ${(error as Error).message}`);
    }
  }
  return { kind: 's3', bucket, prefix };
}

function invalid(what: string, uri: unknown, problem: string): ProoflineError {
  return new ProoflineError('CONFIG_INVALID', `Expected ${what} to be ${ACCEPTED}; got ${JSON.stringify(uri)} (${problem})`, { details: { [what]: uri } });
}
