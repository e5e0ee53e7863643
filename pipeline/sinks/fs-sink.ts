import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PutOptions, PutResult, Sink } from './sink.ts';
import { sinkError, type SinkOperation } from './sink-error.ts';
import { TEMP_FILE_PREFIX, compareSinkKeys, validateListPrefix, validateSinkKey } from './sink-key.ts';

/** Failures a retry may fix: the disk or the kernel was busy, not the request wrong. */
const RETRYABLE_ERRNOS: ReadonlySet<string> = new Set(['EAGAIN', 'EBUSY', 'EIO', 'EMFILE', 'ENFILE', 'EINTR']);

/**
 * A sink on a local directory. `put` writes a temp file beside the target, fsyncs it, renames it
 * over the key and fsyncs the directory, so a crash at any point leaves either the old object or
 * the new one under the key, never a partial one (a leftover temp file is never listed).
 *
 * Unlike S3, a directory cannot hold both an object `a` and an object `a/b`; such a put fails
 * with the sink's write error (not retryable).
 */
export class FsSink implements Sink {
  readonly uri: string;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<PutResult> {
    validateSinkKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(key);
    const dir = dirname(path);
    const temp = join(dir, `${TEMP_FILE_PREFIX}${randomUUID()}`);
    try {
      const firstCreated = await mkdir(dir, { recursive: true });
      if (firstCreated !== undefined) await syncCreatedDirectories(firstCreated, dir);
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await syncDirectory(dir);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.error('put', key, path, error);
    }
    return { key, bytes: bytes.byteLength, sha256 };
  }

  async get(key: string): Promise<Uint8Array | null> {
    validateSinkKey(key);
    const path = this.pathOf(key);
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
      throw this.error('get', key, path, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    validateListPrefix(prefix);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const baseDir = join(this.root, base);
    let entries;
    try {
      entries = await readdir(baseDir, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
      throw this.error('list', prefix, baseDir, error);
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.startsWith(TEMP_FILE_PREFIX)) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort(compareSinkKeys);
  }

  async delete(key: string): Promise<void> {
    validateSinkKey(key);
    const path = this.pathOf(key);
    try {
      await unlink(path);
      await syncDirectory(dirname(path));
    } catch (error) {
      // No object there (nothing, or a directory of other objects): deleting it is a no-op.
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return;
      throw this.error('delete', key, path, error);
    }
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  private error(operation: SinkOperation, key: string, path: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException).code ?? 'unknown';
    const expected = operation === 'put' ? 'a durable write' : operation === 'delete' ? 'the file removed or absent' : 'a readable file or directory';
    return sinkError(operation, `FsSink ${operation} of key "${key}" at ${path} (root ${this.root}): expected ${expected}, got ${errno}: ${(cause as Error).message}`, {
      cause,
      retryable: RETRYABLE_ERRNOS.has(errno),
      details: { sink: this.uri, key, path, errno },
    });
  }
}

export function createFsSink(root: string): FsSink {
  return new FsSink(root);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p created `first`…`last`: each new entry is durable only once its parent is fsynced. */
async function syncCreatedDirectories(first: string, last: string): Promise<void> {
  await syncDirectory(dirname(first));
  for (let dir = last; dir.length >= first.length; dir = dirname(dir)) {
    if (dir !== last) await syncDirectory(dir);
    if (dir === first) break;
  }
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}
