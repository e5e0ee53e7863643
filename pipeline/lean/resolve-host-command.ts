import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';

export type HostCommand = { ok: true; path: string } | { ok: false; errno: 'ENOENT' | 'EACCES'; reason: string };

/** execvp's default search path when PATH is unset (glibc). */
const DEFAULT_SEARCH_PATH = '/bin:/usr/bin';

/**
 * Finds `command` as execvp would inside a sandbox that sees host paths at the same place (bwrap,
 * none): a name with a `/` is taken relative to `cwd`, a bare name is searched in `pathEnv`. Run
 * before spawning, so that a missing or non-executable Lean binary is a LEAN_SPAWN_FAILED naming
 * the command, not an exit code 127 from inside the sandbox.
 */
export function resolveHostCommand(command: string, pathEnv: string | undefined, cwd: string): HostCommand {
  if (command === '') return { ok: false, errno: 'ENOENT', reason: 'empty command' };
  if (command.includes('/')) {
    const path = resolve(cwd, command);
    const problem = checkExecutable(path);
    return problem === null ? { ok: true, path } : { ok: false, errno: problem, reason: `${path} is ${describe(problem)}` };
  }
  const searchPath = pathEnv ?? DEFAULT_SEARCH_PATH;
  let sawNonExecutable = false;
  for (const dir of searchPath.split(':')) {
    const path = resolve(cwd, dir === '' ? '.' : dir, command);
    const problem = checkExecutable(path);
    if (problem === null) return { ok: true, path };
    if (problem === 'EACCES') sawNonExecutable = true;
  }
  const errno = sawNonExecutable ? 'EACCES' : 'ENOENT';
  return { ok: false, errno, reason: `no executable \`${command}\` on PATH ${searchPath}` };
}

function checkExecutable(path: string): 'ENOENT' | 'EACCES' | null {
  try {
    if (!statSync(path).isFile()) return 'EACCES';
  } catch {
    return 'ENOENT';
  }
  try {
    accessSync(path, constants.X_OK);
    return null;
  } catch {
    return 'EACCES';
  }
}

function describe(errno: 'ENOENT' | 'EACCES'): string {
  return errno === 'ENOENT' ? 'missing' : 'not an executable file';
}
