import { ProoflineError } from '../pipeline/errors.ts';
import type { Command, CommandContext } from './command-context.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  build: { summary: 'run a dataset build (sample → check → records, exports, manifest): --config FILE.yaml [--out DIR|s3://…] [--cluster redis://…]', load: async () => (await import('./commands/cluster-build.ts')).runBuildCommand },
  worker: { summary: 'cluster worker on the Redis job queue: --config FILE.yaml --redis redis://… [--role sample|check|all]', load: async () => (await import('./commands/worker.ts')).runWorker },
  finalize: { summary: 'finalize a cluster run whose coordinator died, from its parts in the output: --config FILE.yaml RUN_ID', load: async () => (await import('./commands/finalize.ts')).runFinalize },
  status: { summary: 'a cluster run\'s progress, rates, failures by code and workers: --redis redis://… RUN_ID', load: async () => (await import('./commands/status.ts')).runStatus },
  check: { summary: 'check proofs with Lean (L0-L3): --input FILE.jsonl [--out verdicts.jsonl]', load: async () => (await import('./commands/check.ts')).runCheck },
  lint: { summary: 'lexical prefilter (L0-L1, no Lean needed): --input FILE.jsonl [--out FILE]', load: async () => (await import('./commands/lint.ts')).runLint },
  doctor: { summary: 'report whether everything check (and sampling, when configured) needs works: [--json] [--s3 s3://bucket/prefix]', load: async () => (await import('./commands/doctor.ts')).runDoctorCommand },
  serve: { summary: 'serve Lean-verified rewards over HTTP for RL trainers: [--config FILE.yaml] [--port N] [--host H]', load: async () => (await import('./commands/serve.ts')).runServe },
  sample: { summary: 'sample reasoning + Lean proofs from a model: --config FILE.yaml --problems FILE.jsonl --out FILE [--n 4]', load: async () => (await import('./commands/sample.ts')).runSample },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  proofline ${name.padEnd(8)} ${c.summary}`);
  return `Usage: proofline <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`proofline <command> --help\` for a command's options.\n`;
}

async function main(): Promise<number> {
  const [name, ...argv] = process.argv.slice(2);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`proofline: unknown command \`${name}\`; expected one of ${Object.keys(COMMANDS).join(', ')}\n\n${usage()}`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const context: CommandContext = {
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  };
  try {
    const command = await entry.load();
    return await command(context);
  } catch (error) {
    if (error instanceof ProoflineError) {
      process.stderr.write(`proofline ${name}: ${error.code}: ${error.message}\n`);
      return error.code === 'CONFIG_INVALID' || error.code === 'INPUT_INVALID' ? 2 : 1;
    }
    throw error;
  }
}

process.exitCode = await main();
