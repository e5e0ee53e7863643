import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../pipeline/config.ts';
import { openProofChecker } from '../../pipeline/lean/open-checker.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { formatSummary, runVerdictBatch } from './verdict-batch.ts';

const HELP = `Usage: proofline check --input FILE.jsonl [--out verdicts.jsonl] [options]

Checks every candidate with the real Lean toolchain (layers L0-L3). Input lines need
id, header, formal_statement (ending in \`:= by sorry\`) and completion (raw model output or Lean).

Options:
  --out FILE          write verdict lines here (resumes: ids already in FILE are skipped); default stdout
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
  const { checker, toolchain } = await openProofChecker(config.lean, { repoRoot: REPO_ROOT, logger });
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
