import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config.ts';
import { formatDoctorTable, hasFailure } from '../../pipeline/doctor/doctor-row.ts';
import { runDoctor } from '../../pipeline/doctor/run-doctor.ts';
import type { Command } from '../command-context.ts';
import { REPO_ROOT } from '../repo-root.ts';

const HELP = `Usage: proofline doctor [--config FILE.yaml] [--runner repl|cli] [--sandbox bwrap|container|none] [--s3 s3://bucket/prefix] [--json]

Checks, with the configuration \`proofline check\` would use, everything it needs and prints a table:
the policy, the Lean home and toolchain version (against lean-project/lean-toolchain), leanchecker,
the auditor, the Mathlib revision, the configured sandbox (bwrap installed and able to create its
namespaces, prlimit; or the container engine and image), and the REPL started in that sandbox.
When configured, also AWS credentials (the SDK's default chain), the region, and whether the
Bedrock endpoint (sampler.bedrock) and an S3 location (--s3) answer over HTTP. Rows for what is
not configured are "skipped" with the reason. Network probes time out after 5 s; no model is invoked.

Exits 1 when a row fails (each failing row names its fix), 0 otherwise ("warn" rows do not fail).

Options:
  --config FILE       YAML config (see README); environment PROOFLINE_* overrides it
  --policy NAME|FILE  the policy to load (as for check)
  --runner repl|cli   as for check
  --sandbox bwrap|container|none
  --s3 URI            also check that s3://bucket/prefix is reachable (unsigned HEAD of the bucket)
  --json              print {"ok": bool, "rows": [{name, status, detail, fix}]} instead of the table
`;

export const runDoctorCommand: Command = async (context) => {
  const { values } = parseArgs({
    args: context.argv,
    options: {
      config: { type: 'string' }, policy: { type: 'string' }, runner: { type: 'string' }, sandbox: { type: 'string' },
      s3: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help === true) return void context.stdout.write(HELP), 0;
  const config = loadConfig({
    env: context.env,
    ...(values.config === undefined ? {} : { file: values.config }),
    overrides: { lean: { policy: values.policy, runner: values.runner, sandbox: values.sandbox } },
  });
  const env = (name: string): string | undefined => (context.env[name] === '' ? undefined : context.env[name]);
  const rows = await runDoctor(config, {
    repoRoot: REPO_ROOT,
    userPath: env('PATH'),
    tmpRoot: join(tmpdir(), 'proofline'),
    s3Uri: values.s3 ?? null,
    awsEnv: { region: env('AWS_REGION') ?? env('AWS_DEFAULT_REGION'), s3Endpoint: env('AWS_ENDPOINT_URL_S3') ?? env('AWS_ENDPOINT_URL') },
  });
  const failed = hasFailure(rows);
  if (values.json === true) context.stdout.write(`${JSON.stringify({ ok: !failed, rows })}\n`);
  else {
    context.stdout.write(formatDoctorTable(rows));
    context.stdout.write(failed ? '\nproofline doctor: some checks failed (see "How to fix").\n' : '\nproofline doctor: everything configured works.\n');
  }
  return failed ? 1 : 0;
};
