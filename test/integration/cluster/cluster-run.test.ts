import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { writeBuildFixture, type BuildFixture } from '../build/build-kit.ts';
import { runBuildToEnd, waitFor } from '../build/robustness-kit.ts';
import { type CliProcess, coordinatorArgs, exitWithin, manifestOf, partsOf, runRows, spawnCli, spawnWorkers, withoutMeasurements } from './cluster-run-kit.ts';
import { dropNamespace, REDIS_URL, skipReason, testClient, testNamespace } from './redis-kit.ts';

/**
 * Cluster mode end to end (issue #9): real Redis, real worker and coordinator processes, the
 * recorded-Lean double as toolchain. Each test has its own namespace (queue prefix, caches) and
 * its own output directory; processes are SIGKILLed and keys dropped at the end.
 */
const skip = await skipReason();
const RUN = 'r1';
/** Slow checks (the double sleeps per command) so that kills land mid-run. */
const SLOW = { RECORDED_LEAN_CMD_MS: '400' };

describe.skipIf(skip !== null)('cluster build', () => {
  let fixture: BuildFixture;
  let redis: Redis;
  let namespace: string;
  const processes: CliProcess[] = [];
  const track = (...list: CliProcess[]): CliProcess[] => (processes.push(...list), list);

  beforeAll(async () => {
    fixture = await writeBuildFixture({ n: 2, maxProblems: 6 });
    redis = testClient();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill()));
    await dropNamespace(redis, namespace);
  });
  afterAll(async () => {
    redis?.disconnect();
    if (fixture !== undefined) await rm(fixture.dir, { recursive: true, force: true });
  });

  const expectExpectedRecords = (out: string): void => {
    const records = runRows(out, RUN, 'records');
    const keys = records.map((r) => `${r.problem_id}#${r.sample_index}`);
    expect(new Set(keys).size, 'no duplicate candidate').toBe(keys.length);
    expect(keys.sort()).toEqual([...fixture.expected.keys()].sort());
    for (const record of records) {
      const expected = fixture.expected.get(`${record.problem_id}#${record.sample_index}`)!;
      expect({ kind: (record.verdict as { kind: string }).kind, reason: (record.verdict as { reason: string | null }).reason }, `${record.problem_id}#${record.sample_index}`).toEqual(expected);
    }
  };

  test('three worker processes write exactly the records of a single-machine build of the same config', async () => {
    namespace = testNamespace();
    const local = join(fixture.dir, 'out-local');
    const cluster = join(fixture.dir, 'out-three');
    const localRun = await runBuildToEnd(['--config', fixture.config, '--run-id', RUN, '--out', local], {}, 120_000);
    expect(localRun.code, localRun.stderr).toBe(0);

    track(...spawnWorkers(3, { config: fixture.config, namespace, out: cluster }));
    const [coordinator] = track(spawnCli(coordinatorArgs({ config: fixture.config, namespace, out: cluster, runId: RUN })));
    const result = await exitWithin(coordinator!, 150_000, 'the coordinator');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'build_summary', status: 'complete', candidates: fixture.problems * fixture.n, dead_letters: {} });

    for (const dir of ['records', 'rewards'] as const) {
      expect(runRows(cluster, RUN, dir).map(withoutMeasurements), dir).toEqual(runRows(local, RUN, dir).map(withoutMeasurements));
    }
    expect(manifestOf(cluster, RUN)).toMatchObject({ status: 'complete', counts: manifestOf(local, RUN)!.counts });
    expect(partsOf(cluster, RUN)).toHaveLength(fixture.problems);
    expectExpectedRecords(cluster);

    // status: every job finished, none failed, the three workers alive.
    const status = await exitWithin(spawnCli(['status', '--redis', REDIS_URL, '--namespace', namespace, RUN]), 30_000, 'status');
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({ run_id: RUN, total_jobs: fixture.problems, finished_jobs: fixture.problems, failures_by_code: {} });
    expect(report.workers.alive).toBe(3);
    expect(report.workers.list.every((w: { role: string }) => w.role === 'all')).toBe(true);
  }, 300_000);

  test('SIGKILL of one worker mid-run: its job is recovered, the run completes with no loss and no duplicate', async () => {
    namespace = testNamespace();
    const out = join(fixture.dir, 'out-kill-worker');
    const workers = track(...spawnWorkers(3, { config: fixture.config, namespace, out, env: SLOW }));
    const [coordinator] = track(spawnCli(coordinatorArgs({ config: fixture.config, namespace, out, runId: RUN })));
    // Kill the worker that holds an active check job: BullMQ records the taker (`pb`) on the job,
    // the worker's heartbeat hash its pid.
    const held = await waitFor('an active check job', async () => {
      const [jobId] = await redis.lrange(`{${namespace}}:check:active`, 0, 0);
      if (jobId === undefined) return undefined;
      const taker = await redis.hget(`{${namespace}}:check:${jobId}`, 'pb');
      const pid = taker === null ? null : await redis.hget(`{${namespace}}:worker:${taker}`, 'pid');
      return pid === null ? undefined : { jobId, pid: Number(pid) };
    }, { timeoutMs: 120_000, intervalMs: 20, alive: coordinator as never });
    const victim = workers.find((w) => w.child.pid === held.pid);
    expect(victim, `worker pid ${held.pid}`).toBeDefined();
    await victim!.kill();
    const partOfHeld = `p${held.jobId.split('/p')[1]!.slice(0, 8)}`;
    expect(partsOf(out, RUN).some((part) => part.startsWith(partOfHeld)), 'the killed job had not written its part').toBe(false);
    const result = await exitWithin(coordinator!, 180_000, 'the coordinator');
    expect(result.code, result.stderr).toBe(0);
    expect(manifestOf(out, RUN)).toMatchObject({ status: 'complete', counts: { candidates: fixture.problems * fixture.n, missing_candidates: 0 } });
    expect(partsOf(out, RUN)).toHaveLength(fixture.problems);
    expectExpectedRecords(out);
  }, 300_000);

  test('coordinator SIGKILLed before finalizing: `proofline finalize` refuses while jobs are unaccounted for, then completes the run', async () => {
    namespace = testNamespace();
    const out = join(fixture.dir, 'out-kill-coordinator');
    const [coordinator] = track(spawnCli(coordinatorArgs({ config: fixture.config, namespace, out, runId: RUN })));
    // Enqueued, nothing checked yet (no worker): kill the coordinator.
    await waitFor('the run enqueued', async () => ((await redis.llen(`{${namespace}}:sample:wait`)) === fixture.problems ? true : undefined), { timeoutMs: 60_000, intervalMs: 50, alive: coordinator as never });
    await coordinator!.kill();

    const early = await exitWithin(spawnCli(['finalize', '--config', fixture.config, '--out', out, RUN]), 60_000, 'finalize');
    expect(early.code, early.stderr).toBe(1);
    expect(early.stderr).toContain(`${fixture.problems} job(s) have neither a part nor a dead letter`);
    expect(manifestOf(out, RUN)).toBeNull();

    track(...spawnWorkers(2, { config: fixture.config, namespace, out }));
    await waitFor('every part', () => (partsOf(out, RUN).length === fixture.problems ? true : undefined), { timeoutMs: 150_000, intervalMs: 100 });
    const finalized = await exitWithin(spawnCli(['finalize', '--config', fixture.config, '--out', out, '--redis', REDIS_URL, '--namespace', namespace, RUN]), 60_000, 'finalize');
    expect(finalized.code, finalized.stderr).toBe(0);
    expect(JSON.parse(finalized.stdout.trim())).toMatchObject({ event: 'build_summary', status: 'complete' });
    expect(manifestOf(out, RUN)).toMatchObject({ status: 'complete' });
    expectExpectedRecords(out);
  }, 300_000);

  test('Redis loses the run mid-run (its keys deleted): the coordinator fails with REDIS_UNAVAILABLE and never writes a manifest; a rerun completes it', async () => {
    namespace = testNamespace();
    const out = join(fixture.dir, 'out-redis-lost');
    track(...spawnWorkers(1, { config: fixture.config, namespace, out, env: SLOW }));
    const [coordinator] = track(spawnCli(coordinatorArgs({ config: fixture.config, namespace, out, runId: RUN })));
    await waitFor('a first part', () => (partsOf(out, RUN).length >= 1 ? true : undefined), { timeoutMs: 120_000, intervalMs: 50, alive: coordinator as never });
    expect(partsOf(out, RUN).length).toBeLessThan(fixture.problems);
    await dropNamespace(redis, namespace); // not FLUSHALL: other suites share the server

    const result = await exitWithin(coordinator!, 60_000, 'the coordinator');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('REDIS_UNAVAILABLE');
    expect(result.stderr).toContain(`Redis lost run ${RUN}`);
    expect(manifestOf(out, RUN)).toBeNull();
    const refused = await exitWithin(spawnCli(['finalize', '--config', fixture.config, '--out', out, RUN]), 60_000, 'finalize');
    expect(refused.code, refused.stderr).toBe(1);
    expect(manifestOf(out, RUN)).toBeNull();

    // Rerunning the coordinator re-enqueues exactly the jobs without a part; the run completes.
    const partsBefore = partsOf(out, RUN).length;
    const [again] = track(spawnCli(coordinatorArgs({ config: fixture.config, namespace, out, runId: RUN })));
    await waitFor('the rerun enqueued', async () => ((await redis.hget(`{${namespace}}:run:${RUN}`, 'total_jobs')) === null ? undefined : true), { timeoutMs: 60_000, intervalMs: 50, alive: again as never });
    expect(await redis.scard(`{${namespace}}:run:${RUN}:finished`)).toBeGreaterThanOrEqual(partsBefore);
    const rerun = await exitWithin(again!, 180_000, 'the rerun coordinator');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(manifestOf(out, RUN)).toMatchObject({ status: 'complete' });
    expectExpectedRecords(out);
  }, 300_000);

  test('a sample that fails for good (non-retryable REPLAY_MISSING) is a dead letter with its code: the run is partial, the failure counted by code', async () => {
    namespace = testNamespace();
    const small = await writeBuildFixture({ n: 2, maxProblems: 3 });
    try {
      // The last problem's second sample has no recorded completion.
      const completions = join(small.dir, 'completions.jsonl');
      const lines = (await readFile(completions, 'utf8')).trim().split('\n');
      await writeFile(completions, `${lines.slice(0, -1).join('\n')}\n`);
      const out = join(small.dir, 'out');
      const [worker] = track(...spawnWorkers(1, { config: small.config, namespace, out }));
      const [coordinator] = track(spawnCli(coordinatorArgs({ config: small.config, namespace, out, runId: RUN })));
      const result = await exitWithin(coordinator!, 150_000, 'the coordinator');
      expect(result.code, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout.trim())).toMatchObject({ status: 'partial', candidates: small.problems * small.n - 1, missing_candidates: 1, dead_letters: { 'sample:REPLAY_MISSING': 1 } });
      expect(manifestOf(out, RUN)).toMatchObject({ status: 'partial', counts: { missing_candidates: 1 } });
      const status = await exitWithin(spawnCli(['status', '--redis', REDIS_URL, '--namespace', namespace, RUN]), 30_000, 'status');
      expect(JSON.parse(status.stdout)).toMatchObject({ finished_jobs: small.problems, failures_by_code: { 'sample:REPLAY_MISSING': 1 } });

      // As a local rerun retries failed samples: with the recording back, a rerun redoes that job only and completes the run.
      await writeFile(completions, `${lines.join('\n')}\n`);
      await worker!.kill(); // the replay sampler indexed the file when it started
      track(...spawnWorkers(1, { config: small.config, namespace, out }));
      const [again] = track(spawnCli(coordinatorArgs({ config: small.config, namespace, out, runId: RUN })));
      const rerun = await exitWithin(again!, 150_000, 'the rerun coordinator');
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(JSON.parse(rerun.stdout.trim())).toMatchObject({ status: 'complete', candidates: small.problems * small.n, missing_candidates: 0, dead_letters: {} });
      expect(manifestOf(out, RUN)).toMatchObject({ status: 'complete' });
    } finally {
      await rm(small.dir, { recursive: true, force: true });
    }
  }, 300_000);
});
