import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createFileSampleCache } from '../../../pipeline/sample/sample-cache.ts';
import type { Completion } from '../../../pipeline/sample/sampler.ts';

const hash = 'ab'.padEnd(64, '0');
const completion: Completion = { text: 'proof', reasoning: 'why', reasoningRedacted: false, stopReason: 'end_turn', truncated: false, usage: { inputTokens: 10, outputTokens: 20 }, model: 'm', latencyMs: 42 };
let dir = '';
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-cache-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('file sample cache', () => {
  test('returns what was stored under the same hash, and nothing for another', async () => {
    const cache = createFileSampleCache(dir);
    expect(await cache.get(hash)).toBeNull();
    await cache.set(hash, completion);
    expect(await createFileSampleCache(dir).get(hash)).toEqual(completion);
    expect(await cache.get('cd'.padEnd(64, '0'))).toBeNull();
    expect(await readdir(join(dir, 'ab'))).toEqual([`${hash}.json`]);
  });

  test('treats a corrupt or foreign entry as a miss, never as an answer', async () => {
    const cache = createFileSampleCache(dir);
    await mkdir(join(dir, 'ab'), { recursive: true });
    await writeFile(join(dir, 'ab', `${hash}.json`), '{"request_hash": "ab00", "completion": {');
    expect(await cache.get(hash)).toBeNull();
    await writeFile(join(dir, 'ab', `${hash}.json`), JSON.stringify({ request_hash: 'ff'.padEnd(64, '0'), completion }));
    expect(await cache.get(hash)).toBeNull();
  });

  test('rejects a key that is not a sha256 hex digest', async () => {
    await expect(createFileSampleCache(dir).get('../../etc/passwd')).rejects.toThrow('Expected a sha256 hex request hash');
  });

  test('an unwritable cache dir is SAMPLE_CACHE_FAILED', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, '');
    await expect(createFileSampleCache(file).set(hash, completion)).rejects.toMatchObject({ code: 'SAMPLE_CACHE_FAILED' });
  });
});
