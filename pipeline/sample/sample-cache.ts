import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';
import type { Completion } from './sampler.ts';

/** Paid-for completions by request hash, so a rerun (or a re-check) never pays twice. */
export interface SampleCache {
  get(requestHash: string): Promise<Completion | null>;
  set(requestHash: string, completion: Completion): Promise<void>;
}

/** A stored entry: the request hash inside, so a misplaced value is a miss (shared with the Redis cache of cluster mode). */
export const CachedCompletionSchema = z.object({
  request_hash: z.string(),
  completion: z.object({
    text: z.string(),
    reasoning: z.string().nullable(),
    reasoningRedacted: z.boolean(),
    stopReason: z.string(),
    truncated: z.boolean(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
    model: z.string(),
    latencyMs: z.number(),
  }),
});

const HASH_PATTERN = /^[0-9a-f]{64}$/u;

/**
 * One JSON file per completion under `<dir>/<first 2 hex>/<hash>.json`, written to a temp file
 * and renamed, so a crash never leaves a half-written entry. An unreadable or foreign entry is a
 * miss (the request is paid again and the entry overwritten), never a wrong answer.
 */
export function createFileSampleCache(dir: string): SampleCache {
  const pathOf = (hash: string): string => {
    if (!HASH_PATTERN.test(hash)) throw new TypeError(`Expected a sha256 hex request hash, got ${JSON.stringify(hash)}`);
    return join(dir, hash.slice(0, 2), `${hash}.json`);
  };
  return {
    async get(hash) {
      const path = pathOf(hash);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw cacheError('read', dir, error);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return null;
      }
      const parsed = CachedCompletionSchema.safeParse(json);
      return parsed.success && parsed.data.request_hash === hash ? parsed.data.completion : null;
    },
    async set(hash, completion) {
      const path = pathOf(hash);
      const temp = `${path}.${randomUUID()}.tmp`;
      try {
        await mkdir(join(dir, hash.slice(0, 2)), { recursive: true });
        await writeFile(temp, `${JSON.stringify({ request_hash: hash, completion })}\n`);
        await rename(temp, path);
      } catch (error) {
        throw cacheError('write', dir, error);
      }
    },
  };
}

function cacheError(operation: 'read' | 'write', dir: string, cause: unknown): ProoflineError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
  return new ProoflineError('SAMPLE_CACHE_FAILED', `Cannot ${operation} the sample cache in ${dir} (${code}); set sampler.cache.dir to a writable directory or sampler.cache.enabled: false`, { cause, details: { dir, operation } });
}
