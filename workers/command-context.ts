/** What every `proofline <command>` receives: its argv (after the command name) and its process edges. */
export interface CommandContext {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: long commands finish the item in hand, flush, and return. */
  signal: AbortSignal;
}

/** A command returns its exit code: 0 ok, 1 the work found problems (or failed), 2 usage/config error. */
export type Command = (context: CommandContext) => Promise<number>;
