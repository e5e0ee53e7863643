import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type S3rverServer } from '../../helpers/s3rver-server.ts';
import { buildSummary, journalCounts, S3_ENV, readCommittedRun, recordSet, runBuildToEnd, writeBuildConfig, writeProblemSet } from './robustness-kit.ts';
import { startS3Proxy } from './s3-proxy.ts';


const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('proofline build to s3:// on a loopback S3 server (s3rver)', { timeout: 300_000 }, () => {
  let s3: S3rverServer;
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('reads the problems from s3:// and writes the same layout and records as a directory build; every part’s sha256 matches; latest.json at the prefix root', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 8 });
    const bucket = await s3.createBucket();
    const client = new S3Client(s3.clientConfig());
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'inputs/problems.jsonl', Body: await readFile(set.problemsFile) }));
    } finally {
      client.destroy();
    }
    const s3Section = { endpoint: s3.endpoint, region: 'us-east-1', force_path_style: true, checksums: 'when_required', max_attempts: 3 };
    const onS3 = await writeBuildConfig(set, 's3', { output: `s3://${bucket}/nightly/v1`, problems: `s3://${bucket}/inputs/problems.jsonl`, stateDir: join(set.dir, 'state-s3'), s3: s3Section });
    const onFs = await writeBuildConfig(set, 'fs', { output: join(set.dir, 'out'), stateDir: join(set.dir, 'state-fs') });

    const [viaS3, viaFs] = [await runBuildToEnd(['--config', onS3, '--run-id', 'e2e'], S3_ENV), await runBuildToEnd(['--config', onFs, '--run-id', 'e2e'])];
    expect(viaS3.code, viaS3.stderr).toBe(0);
    expect(viaFs.code, viaFs.stderr).toBe(0);
    expect(buildSummary(viaS3.stdout)).toMatchObject({ status: 'complete', manifest: `s3://${bucket}/nightly/v1/runs/e2e/manifest.json`, candidates: set.problems.length * set.n });
    // Both runs load the same problem set (same bytes, so the same sha256), one of them from S3.
    expect(buildSummary(viaS3.stdout)!.problems).toBe(set.problems.length);

    const readOptions = { s3: s3.s3Config({ force_path_style: true, checksums: 'when_required' }), ...s3.sinkDeps };
    const s3Run = (await readCommittedRun(`s3://${bucket}/nightly/v1`, 'e2e', readOptions))!;
    const fsRun = (await readCommittedRun(join(set.dir, 'out'), 'e2e'))!;
    expect(s3Run).not.toBeNull();
    expect(fsRun).not.toBeNull();

    // Same layout: the same object keys under runs/e2e/, the same parts with the same row counts.
    expect([...s3Run.objects.keys()].sort()).toEqual([...fsRun.objects.keys()].sort());
    const shape = (run: typeof s3Run) => run.manifest.parts.map((p) => ({ key: p.key, export: p.export, rows: p.rows }));
    expect(shape(s3Run)).toEqual(shape(fsRun));
    expect(s3Run.manifest.status).toBe('complete');
    // Same records (ids, verdicts, completion texts, rewards).
    expect(recordSet(s3Run)).toEqual(recordSet(fsRun));
    expect(s3Run.records).toHaveLength(set.problems.length * set.n);

    // Every part and file the manifest lists is in the bucket with the recorded size and sha256; nothing else is.
    const listed = [...s3Run.manifest.parts, ...s3Run.manifest.files];
    for (const part of listed) {
      const bytes = s3Run.objects.get(part.key);
      expect(bytes, part.key).toBeDefined();
      expect({ key: part.key, bytes: bytes!.byteLength, sha256: sha256(bytes!) }).toEqual({ key: part.key, bytes: part.bytes, sha256: part.sha256 });
    }
    expect([...s3Run.objects.keys()].filter((k) => k !== 'manifest.json').sort()).toEqual(listed.map((p) => p.key).sort());

    // The raw bucket: everything under the prefix, latest.json at the prefix root pointing at this manifest.
    const raw = new S3Client(s3.clientConfig());
    let keys: string[];
    try {
      keys = ((await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'nightly/' }))).Contents ?? []).map((o) => o.Key!);
    } finally {
      raw.destroy();
    }
    expect(keys).toContain('nightly/v1/latest.json');
    expect(keys).toContain('nightly/v1/runs/e2e/manifest.json');
    expect(keys.every((k) => k === 'nightly/v1/latest.json' || k.startsWith('nightly/v1/runs/e2e/'))).toBe(true);
    expect(s3Run.latest).toMatchObject({ run_id: 'e2e', manifest: 'runs/e2e/manifest.json', manifest_sha256: sha256(s3Run.objects.get('manifest.json')!) });
  });

  it('the store going away while finalize uploads: retried, then a clear failure naming the code and the object, no manifest; after a restart the rerun completes', async () => {
    const set = await writeProblemSet({ n: 1, maxProblems: 6 });
    const bucket = await s3.createBucket();
    const proxy = await startS3Proxy({ port: s3.port });
    const partPath = `/${bucket}/gone/runs/r3/records/part-00000.jsonl.gz`;
    let gone = false;
    proxy.decide = (method, path) => {
      if (!gone && method === 'PUT' && path.startsWith(partPath)) {
        gone = true;
        void s3.stop(); // the store really goes away; until it has, the proxy resets every connection itself
      }
      return gone ? 'reset' : 'forward';
    };
    try {
      const s3Section = { region: 'us-east-1', force_path_style: true, checksums: 'when_required', max_attempts: 3, connect_timeout_ms: 2000 };
      const viaProxy = await writeBuildConfig(set, 'proxy', { output: `s3://${bucket}/gone`, s3: { ...s3Section, endpoint: proxy.endpoint } });
      const failed = await runBuildToEnd(['--config', viaProxy, '--run-id', 'r3'], S3_ENV);
      expect(failed.code, failed.stderr).toBe(1);
      // The message names the code, the object and that it was retried.
      expect(failed.stderr).toMatch(new RegExp(`OUTPUT_WRITE_FAILED: S3 put of s3://${bucket}/gone/runs/r3/records/part-00000\\.jsonl\\.gz: expected the object stored \\(\\d+ bytes\\), got \\w+.* after 3 attempts; retryable`));
      expect(proxy.requests.filter((r) => r.startsWith(`PUT ${partPath}`))).toHaveLength(3);
      // Everything checked is journaled: the rerun only has to write.
      expect(journalCounts(join(set.dir, 'state', 'r3', 'journal.sqlite'))).toMatchObject({ candidates: set.problems.length, pending: 0, error: 0 });

      await s3.restart();
      const readOptions = { s3: s3.s3Config({ force_path_style: true, checksums: 'when_required' }), ...s3.sinkDeps };
      expect(await readCommittedRun(`s3://${bucket}/gone`, 'r3', readOptions)).toBeNull(); // no manifest: not a dataset

      const direct = await writeBuildConfig(set, 'direct', { output: `s3://${bucket}/gone`, s3: { ...s3Section, endpoint: s3.endpoint } });
      const rerun = await runBuildToEnd(['--config', direct, '--run-id', 'r3'], S3_ENV);
      expect(rerun.code, rerun.stderr).toBe(0);
      const committed = (await readCommittedRun(`s3://${bucket}/gone`, 'r3', readOptions))!;
      expect(committed.manifest.status).toBe('complete');
      expect(committed.records.map((r) => r.id).sort()).toEqual([...set.expected.keys()].sort());
      expect(committed.latest).toMatchObject({ run_id: 'r3' });
      expect(buildSummary(rerun.stdout)).toMatchObject({ status: 'complete', sampling: { requests: 0 } });
    } finally {
      await proxy.close();
      await s3.restart();
    }
  });

  it('a store that stops answering mid-upload: the attempt times out (socket_timeout_ms) and is retried; the build completes', async () => {
    const set = await writeProblemSet({ n: 1, maxProblems: 3 });
    const bucket = await s3.createBucket();
    const proxy = await startS3Proxy({ port: s3.port });
    const partPath = `/${bucket}/hang/runs/h/records/part-00000.jsonl.gz`;
    let stalls = 0;
    proxy.decide = (method, path) => (method === 'PUT' && path.startsWith(partPath) && stalls++ === 0 ? 'stall' : 'forward');
    try {
      const config = await writeBuildConfig(set, 'hang', {
        output: `s3://${bucket}/hang`,
        s3: { endpoint: proxy.endpoint, region: 'us-east-1', force_path_style: true, checksums: 'when_required', max_attempts: 3, socket_timeout_ms: 3000 },
      });
      const started = Date.now();
      const run = await runBuildToEnd(['--config', config, '--run-id', 'h'], S3_ENV, 150_000);
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.stalled).toHaveLength(1);
      expect(proxy.requests.filter((r) => r.startsWith(`PUT ${partPath}`))).toHaveLength(2);
      const readOptions = { s3: s3.s3Config({ force_path_style: true, checksums: 'when_required' }), ...s3.sinkDeps };
      const committed = (await readCommittedRun(`s3://${bucket}/hang`, 'h', readOptions))!;
      expect(committed.manifest.status).toBe('complete');
      expect(committed.records).toHaveLength(set.problems.length);
      expect(Date.now() - started).toBeLessThan(150_000);
    } finally {
      await proxy.close();
    }
  });
});
