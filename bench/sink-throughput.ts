import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFsSink } from '../pipeline/sinks/fs-sink.ts';
import { createS3Sink } from '../pipeline/sinks/s3-sink.ts';
import type { Sink } from '../pipeline/sinks/sink.ts';
import type { S3Config } from '../pipeline/sinks/s3-config.ts';
import type { S3SinkDeps } from '../pipeline/sinks/s3-sink.ts';
import { startS3rver } from '../test/helpers/s3rver-server.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * The parts of one build's output, by size: many small exports and stats, record parts of a few
 * MiB, one large part that goes up as a multipart upload (default threshold 16 MiB, 8 MiB parts).
 * Bodies are random bytes: gzip output is high-entropy and the sink never compresses, so only the
 * sizes matter.
 */
const PART_SIZES = [...Array<number>(24).fill(256 * KIB), ...Array<number>(12).fill(2 * MIB), 20 * MIB];
const CONCURRENCY = 4;
const REPEATS = 3;

async function writeAll(sink: Sink, bodies: Buffer[], run: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const index = next++;
      await sink.put(`runs/bench-${run}/records/part-${String(index).padStart(5, '0')}.jsonl.gz`, bodies[index]!, { contentType: 'application/gzip' });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (performance.now() - started) / 1000;
}

export async function run(): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const bodies = PART_SIZES.map((size) => randomBytes(size));
  const totalBytes = PART_SIZES.reduce((a, b) => a + b, 0);
  const dir = await mkdtemp(join(tmpdir(), 'proofline-bench-sink-'));
  // s3rver in its own process, as a store would be: it does not share the client's event loop.
  const server = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve-s3rver'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await createInterface({ input: server.stdout })[Symbol.asyncIterator]().next();
  const s3 = JSON.parse(String(first.value)) as { endpoint: string; s3Config: S3Config; sinkDeps: S3SinkDeps };
  const bucket = 'bench-sink-throughput';
  const fs = createFsSink(join(dir, 'out'));
  const remote = createS3Sink({ bucket, prefix: 'nightly' }, s3.s3Config, s3.sinkDeps);
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  const seconds = { fs: [] as number[], s3: [] as number[] };
  try {
    await writeAll(fs, bodies.slice(0, 4), -1); // warm-up: page cache, connection pool
    await writeAll(remote, bodies.slice(0, 4), -1);
    for (let repeat = 0; repeat < REPEATS; repeat += 1) {
      // Interleaved, so drift in machine load hits both sides alike.
      seconds.fs.push(await writeAll(fs, bodies, repeat));
      seconds.s3.push(await writeAll(remote, bodies, repeat));
    }
  } finally {
    await remote.close();
    server.stdin.end();
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
  const side = (label: string, secs: number[]) => ({
    label,
    figures: {
      throughput: summarize(secs.map((s) => totalBytes / MIB / s), 'MiB/s', true),
      objects: summarize(secs.map((s) => PART_SIZES.length / s), 'objects/s', true),
      wall: summarize(secs, 's per run', false),
    },
  });
  const baseline = side('FsSink (temp file + fsync + rename + dir fsync, tmpfs/disk under os.tmpdir())', seconds.fs);
  const proofline = side('S3Sink on loopback s3rver (PutObject + Content-MD5 < 16 MiB, multipart 8 MiB parts above)', seconds.s3);
  const report = {
    name: 'sink-throughput',
    description: `Writes one build's worth of output parts (${PART_SIZES.length} objects, ${(totalBytes / MIB).toFixed(0)} MiB: 24 x 256 KiB, 12 x 2 MiB, 1 x 20 MiB) with ${CONCURRENCY} puts in flight, to the local FsSink and to the S3Sink on a loopback s3rver, interleaved in one run, ${REPEATS} repeats each.`,
    command: 'npm run bench -- sink-throughput',
    parameters: { part_sizes_bytes: PART_SIZES, concurrency: CONCURRENCY, repeats: REPEATS, s3: { multipart_threshold_mb: 16, part_size_mb: 8, checksums: 'when_required' } },
    machine: describeMachine(),
    started_at: startedAt,
    baseline,
    proofline,
    ratio: ratios(baseline, proofline),
    notes: [
      's3rver (a Node/Koa server, in its own process) writes to the same disk, so the S3 figures measure the SDK path (signing, HTTP, multipart) plus s3rver itself, not a real store; a real S3 endpoint over a network is bound by bandwidth and latency instead.',
      `tmpdir: ${tmpdir()}. Each FsSink put fsyncs the file and its directory.`,
      'Ratio = S3Sink / FsSink medians (below 1: S3 is slower).',
      `1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${describeMachine().cores} cores shared with other work: absolute figures are noisy, the ratio less so.`,
    ],
    details: { seconds },
  };
  const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
  process.stderr.write(`wrote ${paths.json}: FsSink ${baseline.figures.throughput.median.toFixed(1)} MiB/s, S3Sink ${proofline.figures.throughput.median.toFixed(1)} MiB/s\n`);
}

if (import.meta.main && process.argv.includes('--serve-s3rver')) {
  const s3 = await startS3rver();
  await s3.createBucket('bench-sink-throughput');
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, s3Config: s3.s3Config(), sinkDeps: s3.sinkDeps })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void s3.close().then(() => process.exit(0)));
}
