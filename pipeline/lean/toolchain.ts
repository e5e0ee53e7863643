/**
 * Where the Lean toolchain is. Every command that needs Lean resolves it here, from
 * `lean.home` (PROOFLINE_LEAN_HOME) or lean-project/.lake/proofline-home, and stops at once with a
 * message saying how to install it when there is none. There is no fallback that guesses.
 *
 * A Lean home is a directory laid out as `npm run setup:lean` leaves it:
 *   bin/lean  bin/lake  bin/leanchecker   the pinned toolchain (symlinks into elan's toolchain dir)
 *   bin/repl                              the Lean REPL built at the matching tag
 *   bin/proofline-audit                   our trusted out-of-band auditor (lean-project/Proofline/Audit.lean)
 *   project/                              the Lake project (lean-toolchain, lake-manifest.json) used as cwd
 */
export interface Toolchain {
  home: string;
  leanBin: string;
  lakeBin: string;
  leancheckerBin: string;
  replBin: string;
  auditBin: string;
  /** cwd for Lean processes (the Lake project; imports resolve through `leanPath`). */
  projectDir: string;
  /** LEAN_PATH entries (from `lake env printenv LEAN_PATH`), resolved once. */
  leanPath: string[];
  /** e.g. "4.33.0" as reported by `lean --version`. */
  leanVersion: string;
  /** Mathlib commit from the project's lake-manifest.json, or null when Mathlib is not part of it. */
  mathlibRev: string | null;
  /** Everything a sandboxed Lean process must be able to read (realpaths). */
  readOnlyPaths: string[];
}
