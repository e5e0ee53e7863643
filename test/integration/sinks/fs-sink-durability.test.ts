import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { createFsSink } from '../../../pipeline/sinks/fs-sink.ts';

const WRITER = new URL('./fixtures/fs-sink-writer.ts', import.meta.url).pathname;
const KEY = 'runs/r1/records/part-00000.jsonl.gz';
const MIB4 = 4 * 1024 * 1024;

const isWhole = (bytes: Uint8Array | null, fill: string) => bytes !== null && bytes.byteLength === MIB4 && Buffer.from(bytes).equals(Buffer.alloc(MIB4, fill));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proofline-fs-durability-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FsSink durability', () => {
  it('never leaves a partial object under its key when the writer is SIGKILLed mid-write', async () => {
    const sink = createFsSink(join(dir, 'out'));
    for (let run = 0; run < 6; run += 1) {
      const child = spawn(process.execPath, [WRITER, join(dir, 'out')], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`writer exited with ${code} before writing`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const stored = await sink.get(KEY);
      expect(isWhole(stored, 'a') || isWhole(stored, 'b'), `run ${run}: ${stored?.byteLength} bytes, neither body whole`).toBe(true);
      // Temp files of the killed write may remain on disk, but no listing ever shows them.
      const listed = await sink.list('');
      expect(listed[0]).toBe(KEY);
      expect(listed.slice(1).every((key) => /^runs\/r1\/rounds\/\d{6}\.json$/u.test(key))).toBe(true);
    }
    // And the next writer is not disturbed by leftovers.
    await sink.put(KEY, 'final');
    expect(Buffer.from((await sink.get(KEY))!).toString()).toBe('final');
  });

  it('lets concurrent readers see the old or the new object, never a mix', async () => {
    const sink = createFsSink(join(dir, 'out'));
    await sink.put(KEY, Buffer.alloc(MIB4, 'a'));
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 12; i += 1) await sink.put(KEY, Buffer.alloc(MIB4, i % 2 === 0 ? 'b' : 'a'));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const stored = await sink.get(KEY);
      expect(isWhole(stored, 'a') || isWhole(stored, 'b')).toBe(true);
      reads += 1;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it('does not list a temp file left by a crash, and refuses keys in its reserved namespace', async () => {
    const sink = createFsSink(join(dir, 'out'));
    await sink.put('runs/r1/stats.json', '{}');
    await writeFile(join(dir, 'out', 'runs', 'r1', '.proofline-tmp-0000-crashed'), 'half a part');
    expect(await sink.list('')).toEqual(['runs/r1/stats.json']);
    await expect(sink.get('runs/r1/.proofline-tmp-0000-crashed')).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('FsSink failures', () => {
  const failureOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProoflineError);
    return error as ProoflineError;
  };

  it('fails a put under a root that is not a directory as not retryable, naming key, path and errno', async () => {
    await writeFile(join(dir, 'out'), 'a file where the output directory should be');
    const error = await failureOf(createFsSink(join(dir, 'out')).put('runs/r1/a.json', '{}'));
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ operation: 'put', key: 'runs/r1/a.json', path: join(dir, 'out', 'runs', 'r1', 'a.json'), errno: 'ENOTDIR' });
    expect(error.message).toContain(`FsSink put of key "runs/r1/a.json" at ${join(dir, 'out', 'runs', 'r1', 'a.json')} (root ${join(dir, 'out')}): expected a durable write, got ENOTDIR`);
  });

  it('fails a put whose key runs through an existing object (a/b when a is an object), leaving a intact', async () => {
    const sink = createFsSink(join(dir, 'out'));
    await sink.put('a', 'object a');
    const error = await failureOf(sink.put('a/b', 'x'));
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ key: 'a/b' });
    expect(Buffer.from((await sink.get('a'))!).toString()).toBe('object a');
    expect(await readdir(join(dir, 'out'))).toEqual(['a']);
  });
});
