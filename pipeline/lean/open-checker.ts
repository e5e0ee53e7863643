import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { LeanConfig } from '../config.ts';
import { CliRunner } from './cli-runner.ts';
import { locateToolchain } from './locate-toolchain.ts';
import { loadPolicy } from './policy.ts';
import { createProofChecker, type ProofChecker } from './proof-checker.ts';
import { ReplPool } from './repl-pool.ts';
import { ReplRunner } from './repl-runner.ts';
import { createSandboxDriver } from './sandbox/create-sandbox-driver.ts';
import type { Toolchain } from './toolchain.ts';
import type { VerdictStore } from './verdict-cache.ts';

export interface OpenCheckerOptions {
  /** The checkout root: lean-project/ and datasets/policies/ are found from here. */
  repoRoot: string;
  logger?: Logger | undefined;
  tmpRoot?: string;
  /** A verdict cache shared beyond this checker (cluster mode: the Redis one); default a private in-process cache. */
  cache?: VerdictStore | undefined;
}

/**
 * Wires a ProofChecker from config: toolchain (fails fast with LEAN_NOT_FOUND), sandbox driver
 * (fails fast with SANDBOX_UNAVAILABLE), policy, runner. The one place that knows all the parts.
 */
export async function openProofChecker(config: LeanConfig, options: OpenCheckerOptions): Promise<{ checker: ProofChecker; toolchain: Toolchain }> {
  const toolchain = await locateToolchain({ home: config.home, repoRoot: options.repoRoot, extraReadOnlyPaths: [...config.sandbox_read_only_paths] });
  const driver = createSandboxDriver(config);
  await driver.assertAvailable();
  const policy = loadPolicy(config.policy);
  const tmpRoot = options.tmpRoot ?? join(tmpdir(), 'proofline');
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
  const checker = createProofChecker(config, { toolchain, driver, policy, runner, tmpRoot, logger: options.logger, cache: options.cache });
  return { checker, toolchain };
}
