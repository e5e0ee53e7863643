import { constants, existsSync, statSync, accessSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HOME_RELATIVE, locateToolchain } from '../../pipeline/lean/locate-toolchain.ts';
import type { Toolchain } from '../../pipeline/lean/toolchain.ts';

/**
 * Helpers for the real-Lean suite (`npm run test:lean`, test/lean/README.md). Its cases run only
 * against a real toolchain and say clearly why they were skipped otherwise; the recorded-Lean
 * double never counts as real.
 */
export type RealToolchainSearch = { toolchain: Toolchain } | { skipReason: string };

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Finds a real Lean home, in this order:
 *  1. PROOFLINE_LEAN_HOME, unless it is the recorded-Lean double;
 *  2. lean-project/.lake/proofline-home (what `npm run setup:lean` lays out);
 *  3. otherwise a skip reason; when `lake` is on PATH it says that setup:lean still has to build
 *     the REPL and proofline-audit, which the suite needs besides Lean itself.
 * A home that exists but is broken is not skipped: locateToolchain's LEAN_NOT_FOUND propagates, so
 * a misconfigured run fails loudly instead of passing by skipping everything.
 */
export async function findRealToolchain(
  env: Record<string, string | undefined>,
  repoRoot: string = REPO_ROOT,
): Promise<RealToolchainSearch> {
  const configured = env.PROOFLINE_LEAN_HOME;
  const notes: string[] = [];
  if (configured !== undefined && configured !== '') {
    const home = resolve(repoRoot, configured);
    if (!isRecordedLeanDouble(home, repoRoot)) return { toolchain: await locateToolchain({ home, repoRoot, env }) };
    notes.push(`PROOFLINE_LEAN_HOME=${configured} is the recorded-Lean double, not a real toolchain`);
  }
  const defaultHome = join(repoRoot, DEFAULT_HOME_RELATIVE);
  if (existsSync(defaultHome)) return { toolchain: await locateToolchain({ home: null, repoRoot, env }) };
  notes.push(`no Lean home at ${defaultHome}`);
  const lake = findOnPath('lake', env.PATH);
  notes.push(
    lake === null
      ? '`lake` is not on PATH'
      : `\`lake\` is on PATH (${lake}) but the REPL and proofline-audit are not built`,
  );
  return {
    skipReason:
      `real-Lean suite skipped: ${notes.join('; ')}. Run \`npm run setup:lean\` where GitHub is reachable, ` +
      'set PROOFLINE_LEAN_HOME to a Lean home, or run the suite in the container image (infra/README.md).',
  };
}

/**
 * The recorded-Lean double: a home with a RECORDED_LEAN marker file, or any home inside
 * test/fixtures/ (the double lives at test/fixtures/recorded-lean and has no marker yet).
 */
export function isRecordedLeanDouble(home: string, repoRoot: string = REPO_ROOT): boolean {
  if (existsSync(join(home, 'RECORDED_LEAN'))) return true;
  const fixtures = realOrSelf(join(repoRoot, 'test', 'fixtures'));
  const real = realOrSelf(home);
  return real === fixtures || real.startsWith(fixtures + sep);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function findOnPath(name: string, pathEnv: string | undefined): string | null {
  for (const dir of (pathEnv ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
