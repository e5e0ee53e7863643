import { execFile } from 'node:child_process';

export interface ProbeResult {
  ok: boolean;
  /** What went wrong, for the SANDBOX_UNAVAILABLE message: spawn error, exit code, stderr. */
  failure: string;
  stdout: string;
}

/** Runs a short availability probe (`bwrap --version`, `docker version`) with a deadline; never throws. */
export function runProbe(command: string, args: readonly string[], timeoutMs = 15_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, failure: '', stdout });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code ?? (error as { status?: number }).status;
        const reason = error.killed ? `timed out after ${timeoutMs} ms` : `failed (${String(code)})`;
        const detail = stderr.trim() === '' ? '' : `: ${stderr.trim().slice(-2000)}`;
        resolve({ ok: false, failure: `\`${[command, ...args].join(' ')}\` ${reason}${detail}`, stdout });
      },
    );
  });
}
