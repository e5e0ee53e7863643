import { resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { configHash } from '../build/run-identity.ts';
import { type Config, type LeanConfig, loadConfig } from '../config.ts';
import { CliRunner } from '../lean/cli-runner.ts';
import { locateToolchain } from '../lean/locate-toolchain.ts';
import { loadPolicy, type Policy } from '../lean/policy.ts';
import { policyDigest } from '../lean/policy-digest.ts';
import { createProofChecker, type ProofChecker } from '../lean/proof-checker.ts';
import { ReplPool } from '../lean/repl-pool.ts';
import { ReplRunner } from '../lean/repl-runner.ts';
import { createSandboxDriver } from '../lean/sandbox/create-sandbox-driver.ts';
import type { Toolchain } from '../lean/toolchain.ts';
import type { VerdictCache } from '../lean/verdict-cache.ts';
import { loadPromptTemplate, type PromptTemplate } from '../sample/prompt.ts';
import { createSink } from '../sinks/create-sink.ts';
import type { Sink } from '../sinks/sink.ts';
import type { RedisVerdictCache } from './redis-verdict-cache.ts';

export interface ClusterConfigContext {
  config: Config;
  hash: string;
  template: PromptTemplate;
  policy: Policy;
  sink: Sink;
  sinkOptions: { s3: Config['s3']; env: NodeJS.ProcessEnv; cwd: string };
}

/**
 * The config as `proofline build` reads it (file + PROOFLINE_* env + command-line overrides) and
 * its hash, computed the same way: coordinator, workers and finalize must agree on it, and a job
 * whose hash differs from the worker's is refused.
 */
export function loadClusterConfig(options: {
  file: string; cwd: string; env: NodeJS.ProcessEnv;
  overrides?: { output?: string | undefined; problems?: string | undefined; runId?: string | undefined; n?: number | undefined };
}): ClusterConfigContext {
  const o = options.overrides ?? {};
  const config = loadConfig({
    file: resolve(options.cwd, options.file),
    env: options.env,
    overrides: { build: { output: o.output, problems: o.problems, run_id: o.runId }, sampler: { n: o.n } },
  });
  const policy = loadPolicy(config.lean.policy);
  const template = loadPromptTemplate(resolve(options.cwd, config.sampler.prompt));
  const hash = configHash(config, policyDigest(policy), template);
  const sinkOptions = { s3: config.s3, env: options.env, cwd: options.cwd };
  return { config, hash, template, policy, sink: createSink(config.build.output, sinkOptions), sinkOptions };
}

/**
 * openProofChecker (pipeline/lean/open-checker.ts) with a shared verdict cache. Until
 * proof-checker.ts takes a `VerdictStore` interface (docs/cluster.md, "Changes" item 2), the Redis
 * cache is passed where the in-process `VerdictCache` class is expected: the checker only calls
 * `getOrCheck(key, check)`, which both have with the same shape.
 */
export async function openClusterChecker(config: LeanConfig, options: { repoRoot: string; logger?: Logger; cache: RedisVerdictCache }): Promise<{ checker: ProofChecker; toolchain: Toolchain }> {
  const toolchain = await locateToolchain({ home: config.home, repoRoot: options.repoRoot, extraReadOnlyPaths: [...config.sandbox_read_only_paths] });
  const driver = createSandboxDriver(config);
  await driver.assertAvailable();
  const policy = loadPolicy(config.policy);
  const tmpRoot = join(tmpdir(), 'proofline');
  await mkdir(tmpRoot, { recursive: true });
  const runner =
    config.runner === 'repl'
      ? new ReplRunner(
          new ReplPool({
            size: config.pool.size,
            warmSpares: config.pool.warm_spares,
            maxChecksPerProcess: config.pool.max_checks_per_process,
            maxRssMb: config.pool.max_rss_mb,
            session: { toolchain, driver, headerTimeoutMs: config.header_timeout_ms, memoryLimitMb: config.memory_limit_mb, tmpRoot, extraEnv: config.env },
            logger: options.logger,
          }),
        )
      : new CliRunner({ toolchain, driver, tmpRoot, headerTimeoutMs: config.header_timeout_ms, extraEnv: config.env });
  const cache = options.cache as unknown as VerdictCache;
  const checker = createProofChecker(config, { toolchain, driver, policy, runner, tmpRoot, logger: options.logger, cache });
  return { checker, toolchain };
}
