import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractProof } from '../../../pipeline/extract/extract-proof.ts';
import { assembleCandidate } from '../../../pipeline/lean/assemble.ts';
import { locateToolchain } from '../../../pipeline/lean/locate-toolchain.ts';
import { ReplPool } from '../../../pipeline/lean/repl-pool.ts';
import { ReplRunner } from '../../../pipeline/lean/repl-runner.ts';
import { createSandboxDriver } from '../../../pipeline/lean/sandbox/create-sandbox-driver.ts';
import { loadCheckerCases } from '../../contract/proof-checker.cases.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

const honest = loadCheckerCases().find((c) => c.file === 'honest/decide_closed_numeral.json')!;
const extracted = extractProof(honest.input.completion, honest.input.formal_statement, honest.input.header);
if (!extracted.ok) throw new Error('the honest fixture must extract');
const candidate = assembleCandidate(honest.input, extracted);
const hang = { ...candidate, body: candidate.body.replace(':= by', ':= by\n  -- recorded-lean: fault=hang') };
const withAux = loadCheckerCases().find((c) => c.file === 'honest/auxiliary_lemma_standard.json')!;
const extractedAux = extractProof(withAux.input.completion, withAux.input.formal_statement, withAux.input.header);
if (!extractedAux.ok) throw new Error('the auxiliary fixture must extract');
const auxCandidate = assembleCandidate(withAux.input, extractedAux);

/** Records the pid of every session handed out, without changing what the pool does. */
class PidRecordingPool extends ReplPool {
  readonly pids: number[] = [];
  override async acquire(header: string): ReturnType<ReplPool['acquire']> {
    const session = await super.acquire(header);
    this.pids.push(session.pid);
    return session;
  }
}
const budget = { timeoutMs: 1500, memoryLimitMb: 512 };

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function openPool(options: { size: number; warmSpares: number; maxChecksPerProcess: number }): Promise<{ pool: PidRecordingPool; runner: ReplRunner }> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-pool-'));
  const toolchain = await locateToolchain({ home: RECORDED_LEAN_HOME, repoRoot: REPO_ROOT });
  const driver = createSandboxDriver({ sandbox: 'bwrap', container: { engine: 'docker', image: 'unused' } });
  const pool = new PidRecordingPool({ ...options, maxRssMb: 4096, session: { toolchain, driver, headerTimeoutMs: 20_000, memoryLimitMb: 512, tmpRoot } });
  const runner = new ReplRunner(pool);
  cleanup = async () => {
    await runner.close();
    await rm(tmpRoot, { recursive: true, force: true });
  };
  return { pool, runner };
}

describe('ReplPool', () => {
  it('recycles a process after max_checks_per_process checks and keeps answering from the header env', async () => {
    const { pool, runner } = await openPool({ size: 1, warmSpares: 0, maxChecksPerProcess: 2 });
    const results = [];
    for (let i = 0; i < 5; i += 1) results.push(await runner.elaborate(candidate, budget));
    expect(results.map((r) => r.outcome === 'completed' && r.printedAxioms !== null)).toEqual([true, true, true, true, true]);
    expect(pool.stats.recycled).toBe(2);
    expect(pool.stats.started).toBe(3);
  });

  it('keeps a warm spare imported so a replacement never waits on a header import', async () => {
    const { pool, runner } = await openPool({ size: 1, warmSpares: 1, maxChecksPerProcess: 100 });
    await runner.elaborate(candidate, budget);
    await expect.poll(() => pool.stats.idle, { timeout: 10_000 }).toBe(2);
    expect(pool.stats.headerImports).toBe(2);
  });

  it('kills a process that timed out and serves the next candidate from a fresh one', async () => {
    const { pool, runner } = await openPool({ size: 1, warmSpares: 0, maxChecksPerProcess: 100 });
    const timedOut = await runner.elaborate(hang, budget);
    expect(timedOut.outcome).toBe('timeout');
    expect(pool.stats.killed).toBe(1);
    const next = await runner.elaborate(candidate, budget);
    expect(next.outcome === 'completed' && next.printedAxioms !== null).toBe(true);
    expect(pool.stats.started).toBe(2);
  });

  it('never lets a candidate with auxiliary code share its process with a later candidate (the process is retired)', async () => {
    expect(auxCandidate.hasAuxiliary && auxCandidate.header === withAux.input.header).toBe(true);
    const { pool, runner } = await openPool({ size: 1, warmSpares: 0, maxChecksPerProcess: 100 });
    const results = [await runner.elaborate(auxCandidate, budget), await runner.elaborate(auxCandidate, budget)];
    expect(results.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    expect(new Set(pool.pids).size).toBe(2);
    expect(pool.stats.retired).toBe(2);
    expect(pool.stats.killed).toBe(0);
  });

  it('keeps serving candidates without auxiliary code from the same process', async () => {
    const { pool, runner } = await openPool({ size: 1, warmSpares: 0, maxChecksPerProcess: 100 });
    await runner.elaborate(candidate, budget);
    await runner.elaborate(candidate, budget);
    expect(new Set(pool.pids).size).toBe(1);
    expect(pool.stats.retired).toBe(0);
  });
});
