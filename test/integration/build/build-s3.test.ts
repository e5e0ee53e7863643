import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverServer } from '../../helpers/s3rver-server.ts';
import { buildSummary, readCommittedRun, recordSet, runBuildToEnd, writeBuildConfig, writeProblemSet } from './robustness-kit.ts';

/** Credentials reach the build only through the SDK's default chain: the environment. */
export const S3_ENV = {
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_PROFILE: '',
};

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
});
