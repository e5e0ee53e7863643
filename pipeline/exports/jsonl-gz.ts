import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * JSON Lines, gzip-compressed: every export has this form. Deterministic bytes (Node's gzip writes
 * no timestamp), so a rerun writes identical parts with identical sha256.
 */
export function encodeJsonlGz(rows: readonly unknown[]): Uint8Array {
  const text = rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length > 0 ? '\n' : '');
  return gzipSync(text, { level: 6 });
}

/** The rows of a JSONL.gz part (for tests and readers of canonical records). */
export function decodeJsonlGz(bytes: Uint8Array): unknown[] {
  return gunzipSync(bytes)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}
