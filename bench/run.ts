/**
 * `npm run bench -- <name> [args…]` runs bench/<name>.ts. A benchmark module exports
 * `async function run(args: string[])`; a module without that export runs itself on import
 * (older standalone scripts), so importing it is enough.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const BENCH_DIR = import.meta.dirname;
const NOT_BENCHMARKS = new Set(['run', 'bench-report']);

function available(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .filter((n) => !NOT_BENCHMARKS.has(n));
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !/^[a-z0-9-]+$/u.test(name) || NOT_BENCHMARKS.has(name) || !existsSync(join(BENCH_DIR, `${name}.ts`))) {
  process.stderr.write(`usage: npm run bench -- <name> [args…]\nexpected a benchmark name, got ${JSON.stringify(name ?? null)}; available: ${available().join(', ')}\n`);
  process.exit(2);
}

const mod = (await import(pathToFileURL(join(BENCH_DIR, `${name}.ts`)).href)) as { run?: (args: string[]) => Promise<unknown> };
if (typeof mod.run === 'function') await mod.run(args);
