import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config.ts';
import { ProoflineError } from '../../pipeline/errors.ts';
import { extractProof } from '../../pipeline/extract/extract-proof.ts';
import { openCompletionOutput } from '../../pipeline/sample/completion-output.ts';
import { createSampler, remoteSection } from '../../pipeline/sample/create-sampler.ts';
import { createProgressReporter, formatSummary } from '../../pipeline/sample/progress-reporter.ts';
import { loadPromptTemplate } from '../../pipeline/sample/prompt.ts';
import { readProblemLines } from '../../pipeline/sample/read-problems.ts';
import { createFileSampleCache } from '../../pipeline/sample/sample-cache.ts';
import { runSampling } from '../../pipeline/sample/sample-run.ts';
import type { SamplerConfig } from '../../pipeline/sample/sampler-config.ts';
import { TokenRateLimiter } from '../../pipeline/sample/token-rate-limiter.ts';
import type { Command } from '../command-context.ts';

const USAGE = `Usage: proofline sample --config FILE.yaml --problems FILE.jsonl --out completions.jsonl [--n 4] [--skip-invalid]

Samples n completions per problem (reasoning + Lean proof) with the sampler the config selects
(sampler.kind: bedrock | openai | replay) and appends one JSON line per completion to --out.
Rerunning the same command skips (problem_id, sample_index) pairs already in --out; paid answers
are cached by request hash in sampler.cache.dir. Relative paths resolve against the working directory.
`;

/** `proofline sample`: read config + problems, wire the sampler, run, print the summary. */
export const runSample: Command = async (context) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: context.argv,
      options: { config: { type: 'string' }, problems: { type: 'string' }, out: { type: 'string' }, n: { type: 'string' }, 'skip-invalid': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    context.stderr.write(`proofline sample: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    context.stdout.write(USAGE);
    return 0;
  }
  const missing = (['config', 'problems', 'out'] as const).filter((name) => values[name] === undefined);
  const n = values.n === undefined ? undefined : Number(values.n);
  if (missing.length > 0 || (n !== undefined && !(Number.isInteger(n) && n > 0))) {
    const problem = missing.length > 0 ? `missing ${missing.map((name) => `--${name}`).join(', ')}` : `expected --n to be a positive integer, got ${values.n}`;
    context.stderr.write(`proofline sample: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const at = (path: string): string => resolve(context.cwd, path);
  const config = loadConfig({ file: at(values.config!), env: context.env, overrides: n === undefined ? {} : { sampler: { n } } });
  const { problems, skipped } = await readProblemLines(at(values.problems!), { skipInvalid: values['skip-invalid'] === true });
  for (const line of skipped) context.stderr.write(`proofline sample: skipped ${values.problems}:${line.line}: ${line.message}\n`);

  const samplerConfig = config.sampler;
  const template = loadPromptTemplate(at(samplerConfig.prompt));
  const sampler = await createSampler(samplerConfig, { cwd: context.cwd, apiKey: readApiKey(samplerConfig, context.env) });
  const remote = remoteSection(samplerConfig);
  const output = await openCompletionOutput(at(values.out!));
  if (output.truncatedBytes > 0) context.stderr.write(`proofline sample: removed a half-written last line (${output.truncatedBytes} bytes) from ${values.out}\n`);
  const reporter = createProgressReporter(context.stderr, { isTTY: context.stderr.isTTY === true });
  let result;
  try {
    result = await runSampling({
      sampler,
      template,
      problems,
      n: samplerConfig.n,
      maxConcurrency: remote?.max_concurrency ?? 8,
      tokenLimiter: remote?.tokens_per_minute ? new TokenRateLimiter({ tokensPerWindow: remote.tokens_per_minute, windowMs: remote.rate_window_ms }) : null,
      retry: { maxAttempts: samplerConfig.retry.max_attempts, baseDelayMs: samplerConfig.retry.base_delay_ms, maxDelayMs: samplerConfig.retry.max_delay_ms },
      timeoutMs: samplerConfig.timeout_ms,
      cache: samplerConfig.cache.enabled ? createFileSampleCache(at(samplerConfig.cache.dir)) : null,
      extract: extractProof,
      price: remote?.price ?? null,
      isDone: (problemId, sampleIndex) => output.has(problemId, sampleIndex),
      writeRecord: (record) => output.write(record),
      onEvent: (event) => reporter.onEvent(event),
      signal: context.signal,
    });
  } finally {
    reporter.stop();
    await output.close();
    await sampler.close();
  }
  const { summary, fatalError, interrupted } = result;
  context.stdout.write(context.stdout.isTTY ? `${formatSummary(summary)}\n` : `${JSON.stringify({ event: 'summary', ...summary })}\n`);
  if (fatalError !== null) throw fatalError; // cli.ts prints `CODE: message`
  const failed = Object.values(summary.failures).reduce((sum, count) => sum + count, 0);
  if (interrupted) context.stderr.write(`proofline sample: interrupted; ${summary.written} samples written. Rerun the same command to continue.\n`);
  else if (failed > 0) context.stderr.write(`proofline sample: ${failed} samples failed (see the failures by code); completed samples are kept and a rerun retries only the failed ones.\n`);
  return interrupted || failed > 0 ? 1 : 0;
};

/** The API key for an OpenAI-compatible server, from the env var the config names. */
export function readApiKey(config: SamplerConfig, env: Record<string, string | undefined>): string | null {
  const name = config.kind === 'openai' ? config.openai?.api_key_env ?? null : null;
  if (name === null) return null;
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ProoflineError('CONFIG_INVALID', `sampler.openai.api_key_env names ${name}, but that environment variable is not set`);
  }
  return value;
}
