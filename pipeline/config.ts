import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProoflineError } from './errors.ts';
import { BuildConfigSchema } from './build/build-config.ts';
import { SamplerConfigSchema } from './sample/sampler-config.ts';
import { ServeConfigSchema } from './serve/serve-config.ts';
import { S3ConfigSchema } from './sinks/s3-config.ts';

const positiveInt = z.number().int().positive();

export const LeanConfigSchema = z
  .object({
    /** A toolchain directory with bin/{lean,lake,leanchecker,repl,proofline-audit}; null = lean-project/.lake/proofline-home. */
    home: z.string().min(1).nullable().default(null),
    /** `repl`: pool of long-lived REPLs (fast). `cli`: one `lean --json` per candidate (the slow reference). */
    runner: z.enum(['repl', 'cli']).default('repl'),
    /** `none` runs untrusted Lean code unsandboxed and must be chosen explicitly. */
    sandbox: z.enum(['bwrap', 'container', 'none']).default('bwrap'),
    container: z
      .object({
        engine: z.enum(['docker', 'podman']).default('docker'),
        image: z.string().min(1).default('proofline-lean:v4.33.0'),
      })
      .strict()
      .default({ engine: 'docker', image: 'proofline-lean:v4.33.0' }),
    /** Extra environment variables for every Lean process (e.g. LEAN_NUM_THREADS); nothing else is inherited. */
    env: z.record(z.string(), z.string()).default({}),
    /** Extra paths made visible read-only inside the sandbox (the toolchain's own paths are added automatically). */
    sandbox_read_only_paths: z.array(z.string()).default([]),
    /** `strict`, `standard`, or a path to a policy YAML/JSON file. */
    policy: z.string().min(1).default('strict'),
    /** Wall-clock budget per candidate. Part of the reward definition: a timeout is a rejection. */
    timeout_ms: positiveInt.default(60_000),
    /** Budget for importing a header in a fresh process (Mathlib takes tens of seconds). */
    header_timeout_ms: positiveInt.default(300_000),
    /** Memory budget per Lean process (RSS); above it the candidate is rejected as memory_limit. */
    memory_limit_mb: positiveInt.default(8192),
    /** Attempts for one candidate when infrastructure fails (crash, spawn, protocol). */
    max_attempts: positiveInt.default(3),
    /** L3: confirm every accept in a fresh process with kernel replay and the statement check. */
    confirm: z.boolean().default(true),
    /**
     * L4, sampled audits: a fraction of confirmed accepts is re-checked by an independent kernel
     * (nanoda, lean4lean, …) when one is configured. The argv may use {olean} (the candidate's
     * compiled module), {module} ("Candidate") and {lean_path}. Sampling is by content hash, so a
     * rerun audits the same candidates.
     */
    l4: z
      .object({
        sample_rate: z.number().min(0).max(1).default(0),
        kernel_command: z.array(z.string().min(1)).min(1).nullable().default(null),
      })
      .strict()
      .default({ sample_rate: 0, kernel_command: null }),
    pool: z
      .object({
        /** REPL processes checking at once. */
        size: positiveInt.default(2),
        /** Extra processes per header kept imported and idle, so a recycle never waits on an import. */
        warm_spares: z.number().int().min(0).default(1),
        /** Recycle a REPL after this many candidates (the REPL never frees environments). */
        max_checks_per_process: positiveInt.default(200),
        /** Recycle a REPL whose resident memory passes this. */
        max_rss_mb: positiveInt.default(6144),
      })
      .strict()
      .default({ size: 2, warm_spares: 1, max_checks_per_process: 200, max_rss_mb: 6144 }),
    cache: z
      .object({
        enabled: z.boolean().default(true),
        max_entries: positiveInt.default(100_000),
      })
      .strict()
      .default({ enabled: true, max_entries: 100_000 }),
  })
  .strict();

export const ConfigSchema = z
  .object({
    lean: LeanConfigSchema.default(LeanConfigSchema.parse({})),
    sampler: SamplerConfigSchema,
    /** `proofline build` (pipeline/build/build-config.ts). */
    build: BuildConfigSchema.default(BuildConfigSchema.parse({})),
    /** S3-compatible stores for outputs and problem sets (pipeline/sinks/s3-config.ts). */
    s3: S3ConfigSchema.default(S3ConfigSchema.parse({})),
    /** `proofline serve` (pipeline/serve/serve-config.ts). */
    serve: ServeConfigSchema.default(ServeConfigSchema.parse({})),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type LeanConfig = Config['lean'];

/** Environment variables with a fixed meaning, mapped onto config keys. */
const ENV_KEYS: Record<string, string[]> = {
  PROOFLINE_LEAN_HOME: ['lean', 'home'],
  PROOFLINE_RUNNER: ['lean', 'runner'],
  PROOFLINE_SANDBOX: ['lean', 'sandbox'],
  PROOFLINE_POLICY: ['lean', 'policy'],
  PROOFLINE_LOG_LEVEL: ['log', 'level'],
};
/** Any key can be set as PROOFLINE_CONFIG__section__key=value (value parsed as YAML). */
const GENERIC_PREFIX = 'PROOFLINE_CONFIG__';

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Path of a YAML config file. */
  file?: string;
  /** Values from command-line flags; they win over the file and the environment. */
  overrides?: Record<string, unknown>;
}

/** Loads file + environment + overrides into one validated, deep-frozen config. The only env reader. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const raw: Record<string, unknown> = options.file ? readConfigFile(options.file) : {};
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined || value === '') continue;
    if (name in ENV_KEYS) setPath(raw, ENV_KEYS[name]!, value);
    else if (name.startsWith(GENERIC_PREFIX)) {
      setPath(raw, name.slice(GENERIC_PREFIX.length).split('__').map((k) => k.toLowerCase()), parseYaml(value));
    }
  }
  mergeInto(raw, options.overrides ?? {});
  return deepFreeze(parseConfig(raw, options.file ?? 'environment'));
}

/** Validates a plain object as a config (tests build their own objects this way). */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = ConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue));
  throw new ProoflineError('CONFIG_INVALID', `Invalid config (${source}):\n  ${problems.join('\n  ')}`, {
    details: { source, problems },
  });
}

/** "`lean.timeout_ms`: expected a positive integer, got -1" — key, expectation, received value. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const received = 'input' in issue ? ` (got ${formatValue(issue.input)})` : '';
  if (issue.code === 'unrecognized_keys') return `\`${key}\`: unknown key(s) ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
  return `\`${key}\`: ${issue.message}${received}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ProoflineError('CONFIG_INVALID', `Cannot read config file ${file}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    throw new ProoflineError('CONFIG_INVALID', `Config file ${file} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProoflineError('CONFIG_INVALID', `Config file ${file}: expected a YAML mapping at the top level, got ${formatValue(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) mergeInto(existing, value);
    else target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
