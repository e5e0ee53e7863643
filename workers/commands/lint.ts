import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config.ts';
import { lintInput } from '../../pipeline/lean/lint.ts';
import { loadPolicy, policyId } from '../../pipeline/lean/policy.ts';
import { policyDigest } from '../../pipeline/lean/policy-digest.ts';
import { CHECKER_VERSION } from '../../pipeline/lean/proof-checker.ts';
import type { Command } from '../command-context.ts';
import { resumeKey, type ResumeSettings } from './resume-key.ts';
import { formatSummary, runVerdictBatch } from './verdict-batch.ts';

const HELP = `Usage: proofline lint --input FILE.jsonl [--out FILE.jsonl] [--policy strict|standard|FILE] [--skip-invalid]

Layers L0-L1 only (extraction, assembly, the Lean-aware lexical gate): no Lean needed, a cheap
prefilter for whole datasets. Same input and output shapes as \`proofline check\`; lines that pass
come out with kind "unchecked" (they still need \`proofline check\`).

Options:
  --out FILE          write lines here; default stdout. Resumable: a rerun skips an id whose line
                      carries the same resume_key (checker version, policy content, input) and
                      redoes the rest, leaving one line per id
  --config FILE       YAML config (see README)
  --policy NAME|FILE  strict (default) | standard | a policy file
  --skip-invalid      report invalid input lines and lint the rest
`;

export const runLint: Command = async (context) => {
  const { values } = parseArgs({
    args: context.argv,
    options: { input: { type: 'string' }, out: { type: 'string' }, config: { type: 'string' }, policy: { type: 'string' }, 'skip-invalid': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help === true) return void context.stdout.write(HELP), 0;
  if (values.input === undefined) {
    context.stderr.write(`proofline lint: expected --input FILE.jsonl, got none\n\n${HELP}`);
    return 2;
  }
  const config = loadConfig({ env: context.env, ...(values.config === undefined ? {} : { file: values.config }), overrides: { lean: { policy: values.policy } } });
  const policy = loadPolicy(config.lean.policy);
  const settings: ResumeSettings = { command: 'lint', checkerVersion: CHECKER_VERSION, policyDigest: policyDigest(policy) };
  const { summary, exitCode } = await runVerdictBatch({
    context,
    inputPath: values.input,
    outPath: values.out ?? null,
    skipInvalid: values['skip-invalid'] === true,
    concurrency: 1,
    doneKinds: ['rejected', 'unchecked'],
    resumeKey: (input) => resumeKey(settings, input),
    judge: async (input) => {
      const started = performance.now();
      const result = lintInput(input, policy);
      return {
        kind: result.kind,
        reason: result.reason,
        layer: result.layer,
        detail: result.detail,
        axioms: null,
        messages: [],
        elapsed_ms: Math.round((performance.now() - started) * 1000) / 1000,
        cached: false,
        policy: policyId(policy),
      };
    },
  });
  context.stderr.write(`\n${formatSummary(summary)}`);
  return exitCode;
};
