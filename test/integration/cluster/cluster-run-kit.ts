import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CLI } from '../build/robustness-kit.ts';
import { REDIS_URL } from './redis-kit.ts';

export interface CliProcess {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(): Promise<void>;
}

/** `proofline ARGS` in its own process (to SIGKILL), its output collected. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PROOFLINE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child, stderr: () => err, exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves with the process' exit, or SIGKILLs it and throws after `timeoutMs`. */
export async function exitWithin(proc: CliProcess, timeoutMs: number, what: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  try {
    const result = await proc.exited;
    if (result.signal !== null) throw new Error(`Expected ${what} to exit within ${timeoutMs} ms, got killed; stderr: ${result.stderr.slice(-2000)}`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Worker processes of a test: one checking REPL each (pool sizes are not part of the config hash),
 * a short job lock so a killed worker's job comes back within seconds.
 */
export function spawnWorkers(count: number, options: { config: string; namespace: string; out: string; env?: Record<string, string> }): CliProcess[] {
  return Array.from({ length: count }, () =>
    spawnCli(['worker', '--config', options.config, '--redis', REDIS_URL, '--namespace', options.namespace, '--out', options.out, '--lock-ms', '2000', '--backoff-ms', '200'], {
      PROOFLINE_CONFIG__LEAN__POOL__SIZE: '1', ...options.env,
    }),
  );
}

export function coordinatorArgs(options: { config: string; namespace: string; out: string; runId: string }): string[] {
  return ['build', '--config', options.config, '--run-id', options.runId, '--out', options.out, '--cluster', REDIS_URL, '--namespace', options.namespace, '--poll-ms', '100', '--backoff-ms', '200'];
}

const MEASURING = new Set(['elapsed_ms', 'timings', 'latency_ms', 'cached']);
/** A record without the fields that measure a run (docs/cluster.md): they differ between two local runs too. */
export function withoutMeasurements(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMeasurements);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([key]) => !MEASURING.has(key)).map(([key, v]) => [key, withoutMeasurements(v)]));
  return value;
}

/** Every row of a run's `records/` or `rewards/` parts, in part order. */
export function runRows(out: string, runId: string, dir: 'records' | 'rewards'): Record<string, unknown>[] {
  const path = join(out, 'runs', runId, dir);
  return readdirSync(path).sort().flatMap((file) => gunzipSync(readFileSync(join(path, file))).toString('utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>));
}

export function manifestOf(out: string, runId: string): { status: string; counts: Record<string, number> } | null {
  const path = join(out, 'runs', runId, 'manifest.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

export function partsOf(out: string, runId: string): string[] {
  const path = join(out, 'work', runId, 'candidates');
  return existsSync(path) ? readdirSync(path) : [];
}
