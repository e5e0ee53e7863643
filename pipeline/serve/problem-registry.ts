import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ProoflineError } from '../errors.ts';
import { parseJsonLine } from '../schemas/parse-json-line.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import type { CreateSinkOptions } from '../sinks/create-sink.ts';
import { readObjectLines } from '../sinks/read-object-lines.ts';
import { DEFAULT_S3_CONFIG, toS3ClientConfig } from '../sinks/s3-config.ts';
import { parseSinkUri } from '../sinks/sink-uri.ts';

export interface RegisteredProblem {
  header: string;
  formal_statement: string;
}

/**
 * The trusted problems the service resolves `problem_id` against: loaded once at start, held in a
 * Map, looked up by exact id. An id is never used to build a path or an object key.
 */
export class ProblemRegistry {
  readonly #problems = new Map<string, RegisteredProblem>();
  /** One copy per distinct header (a Mathlib header repeats on every line). */
  readonly #headers = new Map<string, string>();

  get size(): number {
    return this.#problems.size;
  }

  get(id: string): RegisteredProblem | undefined {
    return this.#problems.get(id);
  }

  add(id: string, problem: RegisteredProblem, where: string): void {
    if (this.#problems.has(id)) throw new ProoflineError('INPUT_INVALID', `${where}: duplicate problem id \`${id}\`; expected every id once across serve.problems`);
    const header = this.#headers.get(problem.header) ?? problem.header;
    this.#headers.set(header, header);
    this.#problems.set(id, { header, formal_statement: problem.formal_statement });
  }

  *entries(): IterableIterator<{ id: string } & RegisteredProblem> {
    for (const [id, p] of this.#problems) yield { id, ...p };
  }

  /** The header most problems use: the pool warms it at start. */
  mostCommonHeader(): string | null {
    const counts = new Map<string, number>();
    for (const p of this.#problems.values()) counts.set(p.header, (counts.get(p.header) ?? 0) + 1);
    let best: string | null = null;
    for (const [header, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = header;
    return best;
  }
}

/**
 * Loads every source (a JSONL file, `.gz`, a directory of them, an `s3://` object or an
 * `s3://…/` prefix). A bad line stops the start with `source:line: what was expected`: a service
 * that silently lacks problems would answer `unknown_problem` for hours.
 */
export async function loadProblemRegistry(sources: readonly string[], options: CreateSinkOptions = {}): Promise<ProblemRegistry> {
  const registry = new ProblemRegistry();
  for (const source of sources) {
    for (const uri of await expandSource(source, options)) {
      let line = 0;
      for await (const raw of readObjectLines(uri, options)) {
        line += 1;
        if (raw.trim() === '') continue;
        const parsed = parseJsonLine(raw, ProblemSchema);
        if (!parsed.ok) throw new ProoflineError('INPUT_INVALID', `${uri}:${line}: ${parsed.problem}`);
        registry.add(parsed.value.id, parsed.value, `${uri}:${line}`);
      }
    }
  }
  return registry;
}

const PROBLEM_FILE = /\.jsonl(\.gz)?$/u;

async function expandSource(source: string, options: CreateSinkOptions): Promise<string[]> {
  const location = parseSinkUri(source, 'a serve.problems source', options.cwd ?? process.cwd());
  if (location.kind === 'fs') {
    const entries = await readdir(location.path, { withFileTypes: true }).catch(() => null);
    if (entries === null) return [location.path]; // A file (or a missing path: readObjectLines names it).
    return entries.filter((e) => e.isFile() && PROBLEM_FILE.test(e.name)).map((e) => join(location.path, e.name)).sort();
  }
  if (!source.endsWith('/')) return [source];
  const client = new S3Client({ ...toS3ClientConfig(options.s3 ?? DEFAULT_S3_CONFIG, options.env), ...options.clientConfig });
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined && PROBLEM_FILE.test(object.Key)) keys.push(object.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort().map((key) => `s3://${location.bucket}/${key}`);
  } catch (cause) {
    throw new ProoflineError('INPUT_INVALID', `Cannot list ${source}: expected a readable S3 prefix, got ${(cause as Error).name}: ${(cause as Error).message}`, { cause });
  }
}
