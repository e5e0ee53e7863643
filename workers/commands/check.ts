import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../pipeline/config.ts';
import { openProofChecker } from '../../pipeline/lean/open-checker.ts';
import { policyDigest } from '../../pipeline/lean/policy-digest.ts';
import { loadPolicy } from '../../pipeline/lean/policy.ts';
import { CHECKER_VERSION } from '../../pipeline/lean/proof-checker.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { resumeKey, type ResumeSettings } from './resume-key.ts';
import { formatSummary, runVerdictBatch } from './verdict-batch.ts';

const HELP = `Usage: proofline check --input FILE.jsonl [--out verdicts.jsonl] [options]

Checks every candidate with the real Lean toolchain (layers L0-L3). Input lines need
id, header, formal_statement (ending in \`:= by sorry\`) and completion (raw model output or Lean).

Options:
  --out FILE          write verdict lines here; default stdout. Resumable: a rerun skips an id whose
                      line in FILE carries the same resume_key (same checker version, toolchain,
                      Mathlib, policy content, budget, L3/L4 settings and input) and redoes the rest,
                      leaving one line per id
  --config FILE       YAML config (see README); environment PROOFLINE_* overrides it
  --policy NAME|FILE  strict (default) | standard | a policy file
  --runner repl|cli   REPL pool (default, fast) or one \`lean --json\` per candidate
  --sandbox bwrap|container|none
  --no-confirm        skip L3 confirmation of accepts (not recommended for datasets)
  --skip-invalid      report invalid input lines and check the rest
  --constructs-out FILE  write the L4 drift log (constructs used by accepted proofs, with counts) as JSON
`;

export const runCheck: Command = async (context) => {
  const { values } = parseArgs({
    args: context.argv,
    options: {
      input: { type: 'string' }, out: { type: 'string' }, config: { type: 'string' }, policy: { type: 'string' },
      runner: { type: 'string' }, sandbox: { type: 'string' }, 'no-confirm': { type: 'boolean' }, 'skip-invalid': { type: 'boolean' },
      'constructs-out': { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help === true) return void context.stdout.write(HELP), 0;
  if (values.input === undefined) {
    context.stderr.write(`proofline check: expected --input FILE.jsonl, got none\n\n${HELP}`);
    return 2;
  }
  const config = loadConfig({
    env: context.env,
    ...(values.config === undefined ? {} : { file: values.config }),
    overrides: { lean: { policy: values.policy, runner: values.runner, sandbox: values.sandbox, confirm: values['no-confirm'] === true ? false : undefined } },
  });
  const logger = pino({ level: config.log.level }, pino.destination(2));
  // The checker loads the same policy; its content hash goes into every line's resume_key.
  const policy = loadPolicy(config.lean.policy);
  const { checker, toolchain } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, logger });
  const { l4 } = config.lean;
  const settings: ResumeSettings = {
    command: 'check',
    checkerVersion: CHECKER_VERSION,
    policyDigest: policyDigest(policy),
    leanVersion: toolchain.leanVersion,
    mathlibRev: toolchain.mathlibRev,
    budget: { timeoutMs: config.lean.timeout_ms, memoryLimitMb: config.lean.memory_limit_mb },
    confirm: config.lean.confirm,
    l4: config.lean.confirm && l4.kernel_command !== null && l4.sample_rate > 0 ? { sampleRate: l4.sample_rate, kernelCommand: l4.kernel_command } : null,
  };
  logger.info({ toolchain: toolchain.leanVersion, mathlib: toolchain.mathlibRev, runner: config.lean.runner, sandbox: config.lean.sandbox, policy: config.lean.policy }, 'checker ready');
  try {
    const { summary, exitCode } = await runVerdictBatch({
      context,
      inputPath: values.input,
      outPath: values.out ?? null,
      skipInvalid: values['skip-invalid'] === true,
      concurrency: config.lean.pool.size * 4,
      judge: (input) => checker.check(input),
      doneKinds: ['accepted', 'rejected'],
      resumeKey: (input) => resumeKey(settings, input),
    });
    const top = checker.constructs.top(12).map(([name, n]) => `${name} ${n}`).join(', ');
    context.stderr.write(`\n${formatSummary(summary)}lean invocations  ${checker.stats.leanInvocations} (cache hits ${checker.stats.cacheHits}, retries ${checker.stats.retries})\n`);
    if (top !== '') context.stderr.write(`constructs in accepted proofs (L4 drift log): ${top}\n`);
    if (values['constructs-out'] !== undefined) await writeFile(values['constructs-out'], `${JSON.stringify(checker.constructs, null, 2)}\n`);
    return exitCode;
  } finally {
    await checker.close();
  }
};
