import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ProoflineError } from '../errors.ts';
import type { Toolchain } from './toolchain.ts';

export interface LocateToolchainOptions {
  /** `lean.home` (PROOFLINE_LEAN_HOME); null = `<repoRoot>/lean-project/.lake/proofline-home`. */
  home: string | null;
  repoRoot: string;
  /** `lean.sandbox_read_only_paths`: added to `readOnlyPaths` (realpaths; missing ones are skipped). */
  extraReadOnlyPaths?: string[];
  /** Environment of the probe processes (`lean --version`, `lake env …`); default: inherited. */
  env?: Record<string, string | undefined>;
  /** Wall clock per probe. */
  probeTimeoutMs?: number;
}

export const DEFAULT_HOME_RELATIVE = join('lean-project', '.lake', 'proofline-home');
const BIN_NAMES = ['lean', 'lake', 'leanchecker', 'repl', 'proofline-audit'] as const;
const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/**
 * Resolves the Lean home once: checks its layout, asks `lean` for its version and `lake` for the
 * search path, reads the Mathlib revision, and lists what a sandbox must be able to read. Anything
 * missing or broken is LEAN_NOT_FOUND with a message saying what and how to install it; there is no
 * fallback that guesses. Callers cache the result.
 */
export async function locateToolchain(options: LocateToolchainOptions): Promise<Toolchain> {
  const configured = options.home !== null;
  const home = resolve(options.repoRoot, options.home ?? DEFAULT_HOME_RELATIVE);
  const source = configured ? 'PROOFLINE_LEAN_HOME / lean.home' : 'the default location';
  const realHome = await checkLayout(home, source);
  const bins = Object.fromEntries(BIN_NAMES.map((name) => [name, join(realHome, 'bin', name)])) as Record<(typeof BIN_NAMES)[number], string>;
  const projectDir = await realpath(join(realHome, 'project'));

  const probe = { env: options.env, timeoutMs: options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS };
  const [versionOutput, leanPathOutput, mathlibRev] = await Promise.all([
    runProbe(bins.lean, ['--version'], projectDir, probe),
    runProbe(bins.lake, ['env', 'printenv', 'LEAN_PATH'], projectDir, probe),
    readMathlibRev(projectDir),
  ]);
  const leanVersion = parseLeanVersion(versionOutput, bins.lean);
  const leanPath = leanPathOutput.trim().split(':').filter((entry) => entry !== '');

  const interpreters = await Promise.all(Object.values(bins).map((bin) => scriptInterpreterRoot(bin, projectDir, probe)));
  const readOnlyPaths = await existingRealpaths([
    realHome,
    ...(await Promise.all(Object.values(bins).map(async (bin) => dirname(dirname(await realpath(bin)))))),
    ...leanPath.map((entry) => resolve(projectDir, entry)),
    projectDir,
    ...(options.extraReadOnlyPaths ?? []),
    ...interpreters.filter((root): root is string => root !== null),
  ]);

  return {
    home: realHome,
    leanBin: bins.lean,
    lakeBin: bins.lake,
    leancheckerBin: bins.leanchecker,
    replBin: bins.repl,
    auditBin: bins['proofline-audit'],
    projectDir,
    leanPath,
    leanVersion,
    mathlibRev,
    readOnlyPaths,
  };
}

/** Every bin present and executable, project/ a directory; otherwise one message listing all that is wrong. */
async function checkLayout(home: string, source: string): Promise<string> {
  const realHome = await realpath(home).catch(() => null);
  if (realHome === null || !(await stat(realHome)).isDirectory()) {
    throw notFound(`No Lean home at ${home} (${source}).`, home);
  }
  const problems: string[] = [];
  for (const name of BIN_NAMES) {
    const problem = await executableProblem(join(realHome, 'bin', name));
    if (problem !== null) problems.push(`bin/${name} ${problem}`);
  }
  const project = await stat(join(realHome, 'project')).catch(() => null);
  if (project === null || !project.isDirectory()) problems.push('project/ is missing (the Lake project used as cwd)');
  if (problems.length > 0) throw notFound(`The Lean home at ${home} (${source}) is incomplete: ${problems.join('; ')}.`, home);
  return realHome;
}

async function executableProblem(path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (info === null) return 'is missing';
  if (!info.isFile()) return 'is not a file';
  return access(path, constants.X_OK).then(
    () => null,
    () => 'is not executable',
  );
}

function notFound(what: string, home: string, details: Record<string, unknown> = {}): ProoflineError {
  return new ProoflineError(
    'LEAN_NOT_FOUND',
    `${what} Install the pinned toolchain with \`npm run setup:lean\`, or set PROOFLINE_LEAN_HOME to a Lean home ` +
      'with bin/{lean,lake,leanchecker,repl,proofline-audit} and project/ (see lean-project/README.md).',
    { details: { home, ...details } },
  );
}

interface ProbeOptions {
  env: Record<string, string | undefined> | undefined;
  timeoutMs: number;
}

/** Runs one probe; any failure (spawn, signal, exit code, timeout) is LEAN_NOT_FOUND with its stderr. */
function runProbe(command: string, args: string[], cwd: string, options: ProbeOptions): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd, env: options.env, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolvePromise(stdout);
        const commandLine = [relativeToHome(command), ...args].join(' ');
        const why = error.killed ? `timed out after ${options.timeoutMs} ms` : `failed (${error.code ?? error.signal ?? error.message})`;
        const output = stderr.trim() || stdout.trim();
        reject(
          notFound(`\`${commandLine}\` (cwd ${cwd}) ${why}${output ? `: ${output.slice(0, 2000)}` : ''}.`, dirname(dirname(command)), {
            command: commandLine,
            stderr: stderr.slice(0, 4000),
          }),
        );
      },
    );
  });
}

function relativeToHome(bin: string): string {
  return relative(dirname(dirname(bin)), bin);
}

/** "Lean (version 4.33.0, x86_64-unknown-linux-gnu, commit …, Release)" → "4.33.0". */
export function parseLeanVersion(output: string, leanBin: string): string {
  const match = /\bversion (\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)/.exec(output);
  if (match?.[1] === undefined) {
    throw notFound(`\`bin/lean --version\` printed ${JSON.stringify(output.trim().slice(0, 200))}, which names no Lean version.`, dirname(dirname(leanBin)));
  }
  return match[1];
}

/** The `rev` of the package named mathlib in project/lake-manifest.json; null without manifest or Mathlib. */
async function readMathlibRev(projectDir: string): Promise<string | null> {
  const path = join(projectDir, 'lake-manifest.json');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (cause) {
    throw new ProoflineError('LEAN_NOT_FOUND', `${path} is not valid JSON; rerun \`npm run setup:lean\`.`, { cause, details: { path } });
  }
  const packages = (manifest as { packages?: unknown }).packages;
  if (!Array.isArray(packages)) return null;
  const mathlib = packages.find((entry: unknown) => (entry as { name?: unknown }).name === 'mathlib') as { rev?: unknown } | undefined;
  return typeof mathlib?.rev === 'string' ? mathlib.rev : null;
}

/**
 * For a `#!` script bin (the recorded-Lean double), the root of its interpreter's installation:
 * `#!/usr/bin/env node` → `command -v node` in the probe environment (what env(1) would run) →
 * realpath → its directory's parent. null for a binary.
 */
async function scriptInterpreterRoot(bin: string, cwd: string, probe: ProbeOptions): Promise<string | null> {
  const firstLine = await readFirstLine(bin);
  if (!firstLine.startsWith('#!')) return null;
  const [interpreter, ...args] = firstLine.slice(2).trim().split(/\s+/);
  if (interpreter === undefined || interpreter === '') return null;
  let program = interpreter;
  if (/\/env$/.test(interpreter)) {
    const name = args.find((arg) => !arg.startsWith('-'));
    if (name === undefined) return null;
    const found = await findOnPath(name, cwd, probe);
    if (found === null) {
      throw notFound(`${bin} is a script run by \`${name}\`, which is not on the PATH of the Lean processes.`, dirname(dirname(bin)));
    }
    program = found;
  }
  const real = await realpath(program).catch(() => null);
  return real === null ? null : dirname(dirname(real));
}

/** What env(1) would run for `name`: `command -v` in a shell with the probe environment. */
function findOnPath(name: string, cwd: string, probe: ProbeOptions): Promise<string | null> {
  return new Promise((resolvePromise) => {
    execFile('/bin/sh', ['-c', 'command -v -- "$1"', 'sh', name], { cwd, env: probe.env, timeout: probe.timeoutMs }, (error, stdout) => {
      const path = stdout.trim();
      resolvePromise(error === null && path.startsWith('/') ? path : null);
    });
  });
}

async function readFirstLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1').split('\n', 1)[0] ?? '';
  } finally {
    await handle.close();
  }
}

/** Realpaths of the paths that exist, deduplicated, without paths already inside another one. */
async function existingRealpaths(paths: string[]): Promise<string[]> {
  const reals = (await Promise.all(paths.map((path) => realpath(path).catch(() => null)))).filter((path): path is string => path !== null);
  const unique = [...new Set(reals)].sort();
  return unique.filter((path) => !unique.some((other) => other !== path && (other === sep || path.startsWith(other + sep))));
}
