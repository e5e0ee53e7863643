import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Logger, pino } from 'pino';
import { configHash, defaultRunId } from '../../pipeline/build/run-identity.ts';
import { loadEvalIndex } from '../../pipeline/build/decontaminate.ts';
import { finalizeRun, journalRunSource, publishLatest } from '../../pipeline/build/finalize.ts';
import { RunJournal } from '../../pipeline/build/journal.ts';
import { validateProblems } from '../../pipeline/build/load-problems.ts';
import { runLocalBuild } from '../../pipeline/build/local-run.ts';
import { type Config, loadConfig } from '../../pipeline/config.ts';
import { ProoflineError } from '../../pipeline/errors.ts';
import { extractProof } from '../../pipeline/extract/extract-proof.ts';
import { openProofChecker } from '../../pipeline/lean/open-checker.ts';
import { loadPolicy } from '../../pipeline/lean/policy.ts';
import { policyDigest } from '../../pipeline/lean/policy-digest.ts';
import { CHECKER_VERSION } from '../../pipeline/lean/proof-checker.ts';
import { createSampler, remoteSection } from '../../pipeline/sample/create-sampler.ts';
import { loadPromptTemplate, type PromptTemplate } from '../../pipeline/sample/prompt.ts';
import { createFileSampleCache } from '../../pipeline/sample/sample-cache.ts';
import { SamplingStats } from '../../pipeline/sample/sampling-stats.ts';
import { TokenRateLimiter } from '../../pipeline/sample/token-rate-limiter.ts';
import { createSink } from '../../pipeline/sinks/create-sink.ts';
import { readObjectLines } from '../../pipeline/sinks/read-object-lines.ts';
import { createCheckStage } from '../../pipeline/stages/check-stage.ts';
import { createSampleStage } from '../../pipeline/stages/sample-stage.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { createBuildProgress } from './build-progress.ts';
import { readApiKey } from './sample.ts';

/** In-memory verdict cache entries during a build (about 1 KB each; the journal keeps the rest). */
const BUILD_VERDICT_CACHE_ENTRIES = 20_000;

const USAGE = `Usage: proofline build --config FILE.yaml [--out DIR|s3://bucket/prefix] [options]

Runs a dataset build: samples n completions per problem, checks every proof with Lean, and writes
canonical records, reward records, SFT / preference / RL exports, stats.json and a dataset card
under <out>/runs/<run-id>/, with manifest.json written last. Rerun the same command after a crash
or kill -9: the run resumes from its journal (nothing paid for or checked twice).

Options:
  --config FILE       build config (see README "Dataset builds"); PROOFLINE_* env overrides it
  --out URI           output root, overrides build.output (./out, /abs/dir, s3://bucket/prefix)
  --problems URI      problems JSONL (local, .gz, or s3://…), overrides build.problems
  --run-id ID         run id (default <name>-<YYYYMMDD>-<config hash>)
  --n N               samples per problem, overrides sampler.n
  --skip-invalid      report invalid problem lines and build from the rest
`;

/** `proofline build`: config → problems into the journal → sample/check stages → finalize. */
export const runBuild: Command = async (context) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: context.argv,
      options: {
        config: { type: 'string' }, out: { type: 'string' }, problems: { type: 'string' }, 'run-id': { type: 'string' }, n: { type: 'string' },
        'skip-invalid': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    context.stderr.write(`proofline build: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) return void context.stdout.write(USAGE), 0;
  const n = values.n === undefined ? undefined : Number(values.n);
  if (values.config === undefined || (n !== undefined && !(Number.isInteger(n) && n > 0))) {
    context.stderr.write(`proofline build: ${values.config === undefined ? 'expected --config FILE.yaml, got none' : `expected --n to be a positive integer, got ${values.n}`}\n\n${USAGE}`);
    return 2;
  }
  const at = (path: string): string => resolve(context.cwd, path);
  const config = loadConfig({
    file: at(values.config),
    env: context.env,
    overrides: { build: { output: values.out, problems: values.problems, run_id: values['run-id'] }, sampler: { n } },
  });
  const { build } = config;
  if (build.problems === undefined) throw new ProoflineError('CONFIG_INVALID', 'Expected a problem set in `build.problems` or --problems, got none');
  const logger = pino({ level: config.log.level }, pino.destination(2));
  const policy = loadPolicy(config.lean.policy);
  const template = loadPromptTemplate(at(config.sampler.prompt));
  const hash = configHash(config, policyDigest(policy), template);
  const runId = build.run_id ?? defaultRunId(build.name, hash, new Date());
  const sinkOptions = { s3: config.s3, env: context.env, cwd: context.cwd };
  const sink = createSink(build.output, sinkOptions);
  const manifestKey = `runs/${runId}/manifest.json`;
  const committed = await sink.get(manifestKey);
  const committedManifest = committed === null ? null : (JSON.parse(Buffer.from(committed).toString('utf8')) as { status?: string; config_hash?: string });
  if (committedManifest !== null && committedManifest.config_hash !== undefined && committedManifest.config_hash !== hash) {
    await sink.close();
    throw new ProoflineError('CONFIG_INVALID', `Run ${runId} is committed with config hash ${committedManifest.config_hash.slice(0, 12)}…, this config has ${hash.slice(0, 12)}…; pass another --run-id for a different config`);
  }
  if (committed !== null && committedManifest?.status === 'complete') {
    try {
      if (await publishLatest(sink, manifestKey, Buffer.from(committed).toString('utf8'))) {
        context.stderr.write(`proofline build: latest.json now points at run ${runId} (it was committed, but latest.json was not updated).\n`);
      }
    } finally {
      await sink.close();
    }
    context.stderr.write(`proofline build: run ${runId} is already committed (${sink.uri}/${manifestKey}); nothing to do. Pass --run-id to start another.\n`);
    return 0;
  }

  const journal = RunJournal.open(join(at(build.state_dir), runId, 'journal.sqlite'));
  try {
    const problemsSha = await loadProblems(journal, build.problems, { skipInvalid: values['skip-invalid'] === true, sinkOptions, context });
    if (problemsSha === null) return 2;
    const previous = journal.getMeta('config_hash');
    if (previous !== null && previous !== hash) {
      throw new ProoflineError('CONFIG_INVALID', `Run ${runId} was started with config hash ${previous.slice(0, 12)}…, this config has ${hash.slice(0, 12)}…; pass another --run-id for a different config`);
    }
    journal.setMeta('config_hash', hash);
    logger.info({ runId, configHash: hash, problems: journal.problemCount(), out: sink.uri, journal: journal.path }, 'build run');

    const samplerConfig = config.sampler;
    const remote = remoteSection(samplerConfig);
    // The sampler and the checker (with their in-memory state: recorded completions, verdict
    // cache) live only inside runStages, so finalize does not keep them reachable.
    const { result, toolchain, progress, samplingStats } = await runStages({ config, journal, runId, template, logger, context });
    if (result.fatalError !== null) throw result.fatalError;
    if (result.interrupted) {
      context.stderr.write(`proofline build: interrupted; progress is in ${journal.path}. Rerun the same command to continue.\n`);
      return 1;
    }
    const finalized = await finalizeRun({
      source: journalRunSource(journal), sink, n: samplerConfig.n, template,
      run: { runId, configHash: hash, dataset: build.name },
      splits: build.splits, holdOutEvalSets: build.decontamination.hold_out_eval_sets, evalIndex: loadEvalIndex(join(REPO_ROOT, 'datasets', 'eval-sets')),
      exports: build.exports, rowsPerPart: build.records_per_part, price: remote?.price ?? null,
      provenance: {
        toolchain: { lean: toolchain.leanVersion, mathlib_rev: toolchain.mathlibRev, checker_version: CHECKER_VERSION },
        policy: { name: policy.name, version: policy.version },
        problems_sha256: problemsSha,
      },
    });
    const { summary, counters } = finalized.stats;
    const passAt1 = summary.pass_at_k.find((p) => p.k === 1)?.mean;
    context.stdout.write(
      `${JSON.stringify({ event: 'build_summary', run_id: runId, status: finalized.status, manifest: `${sink.uri}/${finalized.manifestKey}`, problems: summary.problems, candidates: counters.candidates, accepted: counters.by_kind.accepted, rejected: counters.by_kind.rejected, check_errors: counters.errors_by_code, missing_candidates: finalized.missingCandidates, sample_failures: progress.counts.sampleFailures, pass_at_1: passAt1 ?? null, held_out: summary.held_out, sampling: samplingStats.summary(remote?.price ?? null, 0) })}\n`,
    );
    if (finalized.status !== 'complete') {
      const onlyErrors = summary.problems_with_only_errors;
      context.stderr.write(
        `proofline build: run ${runId} is partial: ${counters.by_kind.error} check(s) failed for infrastructure reasons${onlyErrors.length > 0 ? ` (every check failed for: ${onlyErrors.slice(0, 20).join(', ')}${onlyErrors.length > 20 ? ', …' : ''})` : ''}, ${finalized.missingCandidates} candidate(s) were never sampled. The manifest says "partial" and latest.json was not moved; rerun the same command to retry them.\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    journal.close();
    await sink.close();
  }
};

/** Opens the sampler and the checker, runs the sample and check stages over the journal, closes both. */
async function runStages(options: { config: Config; journal: RunJournal; runId: string; template: PromptTemplate; logger: Logger; context: Parameters<Command>[0] }) {
  const { config, journal, runId, template, logger, context } = options;
  const at = (path: string): string => resolve(context.cwd, path);
  const samplerConfig = config.sampler;
  const remote = remoteSection(samplerConfig);
  const samplingStats = new SamplingStats();
  const sampler = await createSampler(samplerConfig, { cwd: context.cwd, apiKey: readApiKey(samplerConfig, context.env) });
  // The journal remembers every verdict of the run; the checker's in-memory cache only has to
  // catch duplicates in flight and within a problem's samples, so it stays small in a build.
  const leanConfig = { ...config.lean, cache: { ...config.lean.cache, max_entries: Math.min(config.lean.cache.max_entries, BUILD_VERDICT_CACHE_ENTRIES) } };
  const { checker, toolchain } = await openProofChecker(leanConfig, { repoRoot: REPO_ROOT, logger });
  // One toolchain per run: verdicts of two Lean versions must never share a manifest.
  const toolchainId = `lean ${toolchain.leanVersion}, mathlib ${toolchain.mathlibRev ?? 'none'}`;
  const journaledToolchain = journal.getMeta('toolchain');
  if (journaledToolchain !== null && journaledToolchain !== toolchainId) {
    await checker.close();
    await sampler.close();
    throw new ProoflineError('CONFIG_INVALID', `Run ${runId} was started with ${journaledToolchain}, this checker has ${toolchainId}; pass another --run-id for a run on this toolchain`);
  }
  journal.setMeta('toolchain', toolchainId);
  const progress = createBuildProgress(context.stderr);
  try {
    const result = await runLocalBuild({
      journal,
      n: samplerConfig.n,
      sample: createSampleStage({
        sampler, template, stats: samplingStats, extract: extractProof, timeoutMs: samplerConfig.timeout_ms,
        cache: samplerConfig.cache.enabled ? createFileSampleCache(at(samplerConfig.cache.dir)) : null,
        limiter: remote?.tokens_per_minute ? new TokenRateLimiter({ tokensPerWindow: remote.tokens_per_minute, windowMs: remote.rate_window_ms }) : null,
        retry: { maxAttempts: samplerConfig.retry.max_attempts, baseDelayMs: samplerConfig.retry.base_delay_ms, maxDelayMs: samplerConfig.retry.max_delay_ms },
      }),
      check: createCheckStage(checker),
      // A paid completion the file cache holds may wait for the journal's group commit.
      sampleCachePersistent: samplerConfig.cache.enabled && sampler.isCacheable,
      sampleConcurrency: remote?.max_concurrency ?? 8,
      checkConcurrency: config.build.concurrency.check,
      maxPendingChecks: config.build.concurrency.max_pending_checks,
      signal: context.signal,
      onEvent: (event) => progress.onEvent(event),
    });
    return { result, toolchain: { leanVersion: toolchain.leanVersion, mathlibRev: toolchain.mathlibRev }, progress, samplingStats };
  } finally {
    progress.stop();
    await checker.close();
    await sampler.close();
  }
}

/**
 * Validates the problem set into a fresh journal (or checks that a resumed run reads the same
 * set). Returns the problems' sha256, or null when invalid lines stop the run (exit 2).
 */
async function loadProblems(
  journal: RunJournal,
  uri: string,
  options: { skipInvalid: boolean; sinkOptions: Parameters<typeof readObjectLines>[1]; context: Parameters<Command>[0] },
): Promise<string | null> {
  const { stderr } = options.context;
  const fresh = journal.problemCount() === 0;
  const loader = fresh ? journal.problemLoader() : null;
  let validated;
  try {
    validated = await validateProblems(readObjectLines(uri, options.sinkOptions), (problem) => loader?.add(problem));
  } catch (error) {
    loader?.rollback();
    throw error;
  }
  for (const line of validated.invalid.slice(0, 20)) stderr.write(`${uri}:${line.line}: ${line.problem}\n`);
  if (validated.invalid.length > 20) stderr.write(`… and ${validated.invalid.length - 20} more invalid line(s)\n`);
  if (validated.invalid.length > 0 && !options.skipInvalid) {
    loader?.rollback();
    stderr.write(`${validated.invalid.length} invalid problem line(s); nothing was sampled. Fix them or pass --skip-invalid to report and skip them.\n`);
    return null;
  }
  if (loader !== null) {
    loader.commit();
    journal.setMeta('problems_sha256', validated.sha256);
    journal.setMeta('invalid_problem_lines', String(validated.invalid.length));
  } else if (journal.getMeta('problems_sha256') !== validated.sha256) {
    throw new ProoflineError('INPUT_INVALID', `The problem set ${uri} changed since this run started (sha256 ${validated.sha256.slice(0, 12)}…, journal has ${journal.getMeta('problems_sha256')?.slice(0, 12)}…); pass another --run-id for a new run`);
  }
  if (validated.valid === 0) throw new ProoflineError('INPUT_INVALID', `No valid problem in ${uri}`);
  return validated.sha256;
}
