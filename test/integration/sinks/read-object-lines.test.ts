import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { readObjectLines } from '../../../pipeline/sinks/read-object-lines.ts';
import { createS3Sink } from '../../../pipeline/sinks/s3-sink.ts';
import { startS3rver, type S3rverServer } from '../../helpers/s3rver-server.ts';

const collect = async (lines: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
};
const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProoflineError);
  return error as ProoflineError;
};

const PROBLEMS = ['{"id":"p1","formal_statement":"théorème"}', '', '{"id":"p2"}', '{"id":"p3"}'];
const TEXT = `${PROBLEMS[0]}\r\n${PROBLEMS.slice(1).join('\n')}\n`;

let dir: string;
let s3: S3rverServer;
let bucket: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proofline-read-lines-'));
  s3 = await startS3rver();
  bucket = await s3.createBucket();
  const sink = createS3Sink({ bucket, prefix: 'problems' }, s3.s3Config(), s3.sinkDeps);
  await sink.put('minif2f.jsonl', TEXT);
  await sink.put('minif2f.jsonl.gz', gzipSync(TEXT));
  await sink.put('many.jsonl.gz', gzipSync(Array.from({ length: 50_000 }, (_, i) => `{"id":"p${i}"}`).join('\n')));
  await sink.put('corrupt.jsonl.gz', Buffer.concat([gzipSync(TEXT).subarray(0, 20), Buffer.from('not gzip')]));
  await sink.close();
  await writeFile(join(dir, 'p.jsonl'), TEXT);
  await writeFile(join(dir, 'p.jsonl.gz'), gzipSync(TEXT));
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

describe('readObjectLines', () => {
  it('streams the lines of a local file given as a relative path, absolute path or file URL, CRLF or LF', async () => {
    expect(await collect(readObjectLines('./p.jsonl', { cwd: dir }))).toEqual(PROBLEMS);
    expect(await collect(readObjectLines(join(dir, 'p.jsonl')))).toEqual(PROBLEMS);
    expect(await collect(readObjectLines(pathToFileURL(join(dir, 'p.jsonl.gz')).href))).toEqual(PROBLEMS);
  });

  it('streams the lines of an S3 object, gunzipping a .gz name', async () => {
    const options = { s3: s3.s3Config(), ...s3.sinkDeps };
    expect(await collect(readObjectLines(`s3://${bucket}/problems/minif2f.jsonl`, options))).toEqual(PROBLEMS);
    expect(await collect(readObjectLines(`s3://${bucket}/problems/minif2f.jsonl.gz`, options))).toEqual(PROBLEMS);
    const many = await collect(readObjectLines(`s3://${bucket}/problems/many.jsonl.gz`, options));
    expect(many).toHaveLength(50_000);
    expect(many[49_999]).toBe('{"id":"p49999"}');
  });

  it('reports a missing file or object as INPUT_INVALID naming it', async () => {
    const local = await failureOf(collect(readObjectLines('./missing.jsonl', { cwd: dir })));
    expect(local.code).toBe('INPUT_INVALID');
    expect(local.message).toBe(`Cannot read input file ${join(dir, 'missing.jsonl')}: expected a readable file, got ENOENT`);
    const remote = await failureOf(collect(readObjectLines(`s3://${bucket}/problems/missing.jsonl`, { s3: s3.s3Config(), ...s3.sinkDeps })));
    expect(remote.code).toBe('INPUT_INVALID');
    expect(remote.message).toBe(`Cannot read input object s3://${bucket}/problems/missing.jsonl: expected an object, got 404 NoSuchKey`);
    expect((await failureOf(collect(readObjectLines(`s3://${bucket}`)))).code).toBe('INPUT_INVALID');
  });

  it('reports corrupt gzip as a non-retryable read error, and an unreachable store as retryable', async () => {
    const corrupt = await failureOf(collect(readObjectLines(`s3://${bucket}/problems/corrupt.jsonl.gz`, { s3: s3.s3Config(), ...s3.sinkDeps })));
    expect(corrupt.retryable).toBe(false);
    expect(corrupt.message).toContain('expected valid gzip data, got Z_');
    const down = await startS3rver();
    const options = { s3: down.s3Config({ max_attempts: 2 }), ...down.sinkDeps };
    await down.close();
    const unreachable = await failureOf(collect(readObjectLines(`s3://${bucket}/problems/minif2f.jsonl`, options)));
    expect(unreachable.retryable).toBe(true);
    expect(unreachable.details).toMatchObject({ operation: 'read', received: 'ECONNREFUSED', attempts: 2 });
  });
});
