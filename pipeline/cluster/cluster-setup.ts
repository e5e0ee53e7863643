import { resolve } from 'node:path';
import { configHash } from '../build/run-identity.ts';
import { type Config, loadConfig } from '../config.ts';
import { loadPolicy, type Policy } from '../lean/policy.ts';
import { policyDigest } from '../lean/policy-digest.ts';
import { loadPromptTemplate, type PromptTemplate } from '../sample/prompt.ts';
import { createSink } from '../sinks/create-sink.ts';
import type { Sink } from '../sinks/sink.ts';

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

