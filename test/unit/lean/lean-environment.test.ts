import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leanSandboxSpec } from '../../../pipeline/lean/lean-environment.ts';
import type { Toolchain } from '../../../pipeline/lean/toolchain.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lean-environment-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A Lean home laid out as setup.sh leaves it: bin/lean is a symlink into elan's toolchain dir. */
function fakeHome(): { toolchain: Toolchain; toolchainRoot: string } {
  const toolchainRoot = join(dir, 'elan', 'toolchains', 'leanprover--lean4---v4.33.0');
  mkdirSync(join(toolchainRoot, 'bin'), { recursive: true });
  mkdirSync(join(toolchainRoot, 'lib', 'lean'), { recursive: true });
  writeFileSync(join(toolchainRoot, 'bin', 'lean'), '#!/bin/sh\n', { mode: 0o755 });
  const home = join(dir, 'home');
  mkdirSync(join(home, 'bin'), { recursive: true });
  symlinkSync(join(toolchainRoot, 'bin', 'lean'), join(home, 'bin', 'lean'));
  const toolchain: Toolchain = {
    home, leanBin: join(home, 'bin', 'lean'), lakeBin: join(home, 'bin', 'lake'), leancheckerBin: join(home, 'bin', 'leanchecker'),
    replBin: join(home, 'bin', 'repl'), auditBin: join(home, 'bin', 'proofline-audit'), projectDir: join(home, 'project'),
    leanPath: [join(home, 'project', 'lib')], leanVersion: '4.33.0', mathlibRev: null, readOnlyPaths: [toolchainRoot, home],
  };
  return { toolchain, toolchainRoot };
}

describe('leanSandboxSpec', () => {
  it("sets LEAN_SYSROOT to the toolchain's root (holding bin/lean and lib/lean), so Lean never runs `lean --print-prefix`", () => {
    const { toolchain, toolchainRoot } = fakeHome();
    const spec = leanSandboxSpec(toolchain, { workDir: join(dir, 'work'), memoryLimitMb: 512 });
    expect(spec.env.LEAN_SYSROOT).toBe(toolchainRoot);
    expect(spec.readOnlyPaths).toContain(spec.env.LEAN_SYSROOT);
  });

  it('keeps LEAN_SYSROOT ours even when the extra environment names another', () => {
    const { toolchain, toolchainRoot } = fakeHome();
    const spec = leanSandboxSpec(toolchain, { workDir: join(dir, 'work'), memoryLimitMb: 512, extraEnv: { LEAN_SYSROOT: '/elsewhere' } });
    expect(spec.env.LEAN_SYSROOT).toBe(toolchainRoot);
  });
});
