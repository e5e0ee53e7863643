import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startS3rver } from '../../helpers/s3rver-server.ts';
import { chatBody, startChatServer, type ChatReply } from '../sample/chat-completions-server.ts';
import { buildSummary, journalCounts, readCommittedRun, recordSet, runBuildToEnd, S3_ENV, spawnBuild, waitFor, writeBuildConfig, writeProblemSet } from './robustness-kit.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { startS3Proxy } from './s3-proxy.ts';

/**
 * A checker that crashes for some candidates for reasons that are not theirs: `lean` itself dies
 * with SIGSEGV on every run (the double's process-wide fault on the `lean` bin), so every L3
 * confirmation fails — the reference compile, the checker's own canary, dies too: LEAN_CRASHED,
 * retried, then an error. Candidates rejected at L0-L2 (the REPL works) still get their verdicts.
 *
 * The fault is switched by a run counter (RECORDED_LEAN_FAULT_TIMES/COUNTER), not by the config,
 * so the rerun is the same command with the same config hash: the counter is set past the limit
 * and `lean` answers normally again.
 */
describe('proofline build with a crashing checker (infrastructure, not the candidates)', { timeout: 300_000 }, () => {
  it('records those candidates as errors (never rejected, reward null), counts them by code, lists problems with only errors, commits a partial run without moving latest.json and exits 1; the rerun completes', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 6 });
    const counter = join(set.dir, 'fault-counter');
    const FAULT_LIMIT = 1_000_000;
    const setFaultsUsed = (used: number) => writeFile(counter, `${used}\n`);
    const config = await writeBuildConfig(set, 'faulty', {
      lean: {
        sandbox: 'none', // the counter file must be writable by the double's `lean`
        // One Lean process at a time: the double's fault counter is a plain read-then-write file,
        // and a read racing a concurrent write sees it empty (0 runs) and faults again.
        pool: { size: 1, warm_spares: 0 },
        env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'lean', RECORDED_LEAN_FAULT_TIMES: String(FAULT_LIMIT), RECORDED_LEAN_FAULT_COUNTER: counter },
      },
    });
    const out = join(set.dir, 'out');

    // A healthy committed run first (fault budget used up): latest.json points at it.
    await setFaultsUsed(FAULT_LIMIT);
    const healthy = await runBuildToEnd(['--config', config, '--run-id', 'healthy']);
    expect(healthy.code, healthy.stderr).toBe(0);
    const healthyRun = (await readCommittedRun(out, 'healthy'))!;
    const accepted = new Set(healthyRun.records.filter((r) => r.verdict?.kind === 'accepted').map((r) => r.id));
    const onlyAccepted = set.problems.map((p) => p.id).filter((id) => healthyRun.records.filter((r) => r.problem_id === id).every((r) => accepted.has(r.id)));
    expect(accepted.size, 'the problem set needs accepted candidates (they reach L3)').toBeGreaterThan(0);
    expect(accepted.size, 'and rejected ones (decided before L3)').toBeLessThan(healthyRun.records.length);
    expect(onlyAccepted.length, 'and a problem whose candidates are all accepted').toBeGreaterThan(0);

    // The broken checker: `lean` dies on every run.
    await setFaultsUsed(0);
    const broken = await runBuildToEnd(['--config', config, '--run-id', 'x']);
    expect(broken.code, broken.stderr).toBe(1);
    expect(broken.stderr).toMatch(/run x is partial: \d+ check\(s\) failed for infrastructure reasons \(every check failed for: /);
    const partial = (await readCommittedRun(out, 'x'))!;
    expect(partial.manifest.status).toBe('partial');
    expect(partial.records).toHaveLength(healthyRun.records.length); // every candidate is listed, none dropped
    for (const record of partial.records) {
      if (accepted.has(record.id)) {
        expect({ id: record.id, verdict: record.verdict, error: record.error?.code }).toEqual({ id: record.id, verdict: null, error: 'LEAN_CRASHED' });
      } else {
        const before = healthyRun.records.find((r) => r.id === record.id)!;
        expect({ id: record.id, kind: record.verdict?.kind, reason: record.verdict?.reason }).toEqual({ id: record.id, kind: 'rejected', reason: before.verdict!.reason });
      }
    }
    for (const reward of partial.rewards.filter((r) => accepted.has(r.id))) {
      expect({ status: reward.status, reward: reward.reward, verdict: reward.verdict, error: reward.error?.code }).toEqual({ status: 'error', reward: null, verdict: null, error: 'LEAN_CRASHED' });
    }
    const stats = JSON.parse(Buffer.from(partial.objects.get('stats.json')!).toString('utf8')) as {
      status: string;
      counters: { by_kind: Record<string, number>; errors_by_code: Record<string, number> };
      summary: { problems_with_only_errors: string[] };
    };
    expect(stats.status).toBe('partial');
    expect(stats.counters.errors_by_code).toEqual({ LEAN_CRASHED: accepted.size });
    expect(stats.counters.by_kind).toEqual({ accepted: 0, rejected: healthyRun.records.length - accepted.size, error: accepted.size });
    expect([...stats.summary.problems_with_only_errors].sort()).toEqual([...onlyAccepted].sort());
    expect(buildSummary(broken.stdout)).toMatchObject({ status: 'partial', check_errors: { LEAN_CRASHED: accepted.size }, accepted: 0 });
    // latest.json still names the healthy run: a partial run is never "latest".
    expect(partial.latest).toMatchObject({ run_id: 'healthy' });
    expect(journalCounts(join(set.dir, 'state', 'x', 'journal.sqlite'))).toMatchObject({ error: accepted.size, pending: 0 });

    // Lean works again: the same command retries the errors only and commits the run.
    await setFaultsUsed(FAULT_LIMIT);
    const rerun = await runBuildToEnd(['--config', config, '--run-id', 'x']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const complete = (await readCommittedRun(out, 'x'))!;
    expect(complete.manifest.status).toBe('complete');
    expect(recordSet(complete)).toEqual(recordSet(healthyRun));
    expect(complete.latest).toMatchObject({ run_id: 'x', manifest: 'runs/x/manifest.json' });
    const progress = JSON.parse(rerun.stderr.split('\n').filter((l) => l.startsWith('{"progress"')).at(-1)!) as { progress: { alreadyDone: number; checked: number } };
    expect(progress.progress).toMatchObject({ alreadyDone: healthyRun.records.length - accepted.size, checked: accepted.size });
  });

  it('a rerun of a partial run killed after rewriting the parts leaves no manifest that disagrees with the parts', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 4 });
    const counter = join(set.dir, 'fault-counter');
    const FAULT_LIMIT = 1_000_000;
    const s3 = await startS3rver();
    const proxy = await startS3Proxy({ port: s3.port });
    try {
      const bucket = await s3.createBucket();
      const config = await writeBuildConfig(set, 'faulty-s3', {
        output: `s3://${bucket}/p`,
        s3: { endpoint: proxy.endpoint, region: 'us-east-1', force_path_style: true, checksums: 'when_required', max_attempts: 2 },
        lean: { sandbox: 'none', pool: { size: 1, warm_spares: 0 }, env: { RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'lean', RECORDED_LEAN_FAULT_TIMES: String(FAULT_LIMIT), RECORDED_LEAN_FAULT_COUNTER: counter } },
      });
      const readOptions = { s3: s3.s3Config({ force_path_style: true, checksums: 'when_required' }), ...s3.sinkDeps };
      await writeFile(counter, '0\n');
      const broken = await runBuildToEnd(['--config', config, '--run-id', 'y'], S3_ENV);
      expect(broken.code, broken.stderr).toBe(1);
      expect((await readCommittedRun(`s3://${bucket}/p`, 'y', readOptions))?.manifest.status).toBe('partial');

      // Lean works again; the rerun rewrites every part, then is killed while its manifest upload hangs.
      await writeFile(counter, `${FAULT_LIMIT}\n`);
      proxy.decide = (method, path) => (method === 'PUT' && path.includes('/runs/y/manifest.json') ? 'stall' : 'forward');
      const rerun = spawnBuild(['--config', config, '--run-id', 'y'], S3_ENV);
      await waitFor('the stalled manifest PUT', () => (proxy.stalled.length > 0 ? true : undefined), { alive: rerun, timeoutMs: 180_000 });
      await rerun.kill();

      // A reader may find no manifest (not a dataset) or a manifest; a manifest must describe the objects there.
      const seen = await readCommittedRun(`s3://${bucket}/p`, 'y', readOptions);
      if (seen !== null) {
        for (const part of [...seen.manifest.parts, ...seen.manifest.files]) {
          const bytes = seen.objects.get(part.key);
          expect({ key: part.key, sha256: bytes === undefined ? null : createHash('sha256').update(bytes).digest('hex') }).toEqual({ key: part.key, sha256: part.sha256 });
        }
      }

      // And the same command then commits the run.
      proxy.decide = () => 'forward';
      const final = await runBuildToEnd(['--config', config, '--run-id', 'y'], S3_ENV);
      expect(final.code, final.stderr).toBe(0);
      const committed = (await readCommittedRun(`s3://${bucket}/p`, 'y', readOptions))!;
      expect(committed.manifest.status).toBe('complete');
      expect(committed.records.filter((r) => r.error !== null)).toEqual([]);
    } finally {
      await proxy.close();
      await s3.close();
    }
  });

  it('a problem whose every sample failed (the model server) is not silently dropped: counted among the problems, named, partial, exit 1; the rerun completes', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 3 });
    const victim = set.problems[1]!;
    let failing = true;
    const server = await startChatServer((call): ChatReply => {
      const user = ((call.body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content) ?? '';
      const problem = set.problems.find((p) => user.includes(p.formal_statement))!;
      if (failing && problem.id === victim.id) return { status: 500, body: { error: { message: 'model crashed', type: 'server_error' } } };
      return { status: 200, body: chatBody(set.completions.get(`${problem.id}#${call.body.seed as number}`)!) };
    });
    try {
      const config = await writeBuildConfig(set, 'sampling', {
        sampler: { kind: 'openai', retry: { max_attempts: 2, base_delay_ms: 10, max_delay_ms: 50 }, cache: { enabled: true, dir: join(set.dir, 'cache') }, openai: { base_url: server.url, model: 'served-model', max_concurrency: 2 }, replay: { sources: [] } },
      });
      const out = join(set.dir, 'out');
      const broken = await runBuildToEnd(['--config', config, '--run-id', 's']);
      expect(broken.code, broken.stderr).toBe(1);
      expect(broken.stderr).toMatch(/run s is partial: .*2 candidate\(s\) were never sampled/);
      const partial = (await readCommittedRun(out, 's'))!;
      expect(partial.manifest.status).toBe('partial');
      expect(partial.manifest.counts.missing_candidates).toBe(2);
      const statsText = Buffer.from(partial.objects.get('stats.json')!).toString('utf8');
      const stats = JSON.parse(statsText) as { summary: { problems: number }; per_problem: Record<string, unknown> };
      // Every problem of the set is accounted for, the one with no candidate included and named.
      expect(stats.summary.problems).toBe(set.problems.length);
      expect(partial.manifest.counts.problems).toBe(set.problems.length);
      expect(Object.keys(stats.per_problem)).toContain(victim.id);
      expect(broken.stderr).toContain(victim.id);

      failing = false;
      const rerun = await runBuildToEnd(['--config', config, '--run-id', 's']);
      expect(rerun.code, rerun.stderr).toBe(0);
      const complete = (await readCommittedRun(out, 's'))!;
      expect(complete.manifest.status).toBe('complete');
      expect(complete.records.map((r) => r.id).sort()).toEqual([...set.completions.keys()].sort());
    } finally {
      await server.close();
    }
  });

  it('two builds of the same run at once (an overlapping cron): no sample paid for twice, one complete commit', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 4 });
    const answered = new Map<string, number>();
    // Answers wait until a third request is in flight (one build sends at most 2 at once: the other
    // build is sampling too) or 15 s have passed (the other build is not sampling): the runs overlap.
    let openGate = (): void => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gateTimer = setTimeout(openGate, 15_000);
    const server = await startChatServer(async (call): Promise<ChatReply> => {
      const user = ((call.body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content) ?? '';
      const key = `${set.problems.find((p) => user.includes(p.formal_statement))!.id}#${call.body.seed as number}`;
      if (server.calls.length >= 3) openGate();
      await gate;
      await sleep(100);
      answered.set(key, (answered.get(key) ?? 0) + 1);
      return { status: 200, body: chatBody(set.completions.get(key)!) };
    });
    try {
      const config = await writeBuildConfig(set, 'twice', {
        sampler: { kind: 'openai', cache: { enabled: true, dir: join(set.dir, 'cache') }, openai: { base_url: server.url, model: 'served-model', max_concurrency: 2 }, replay: { sources: [] } },
      });
      const first = spawnBuild(['--config', config, '--run-id', 'twice']);
      await waitFor('the first build to start sampling', () => (server.calls.length > 0 ? true : undefined), { alive: first });
      const second = spawnBuild(['--config', config, '--run-id', 'twice']);
      const timer = setTimeout(() => [first, second].forEach((b) => b.child.kill('SIGKILL')), 180_000);
      const results = await Promise.all([first.exited, second.exited]);
      clearTimeout(timer);
      clearTimeout(gateTimer);
      // No proof checked twice: the checks of both processes add up to the candidates at most.
      const checked = results.map((r) => {
        const line = r.stderr.split('\n').filter((l) => l.startsWith('{"progress"')).at(-1);
        return line === undefined ? 0 : (JSON.parse(line) as { progress: { checked: number } }).progress.checked;
      });
      expect(checked[0]! + checked[1]!, `checks per process: ${checked.join(' + ')}`).toBeLessThanOrEqual(set.completions.size);
      const doubled = [...answered].filter(([, n]) => n > 1).map(([key, n]) => `${key}×${n}`);
      expect(doubled, `both runs paid for the same samples; exits ${results.map((r) => r.code).join(', ')}`).toEqual([]);
      // One of them committed the run; the other finished it too or refused with a message naming the run.
      expect(results.some((r) => r.code === 0), results.map((r) => r.stderr).join('\n---\n')).toBe(true);
      for (const r of results) if (r.code !== 0) expect(r.stderr).toMatch(/twice/);
      const committed = (await readCommittedRun(join(set.dir, 'out'), 'twice'))!;
      expect(committed.manifest.status).toBe('complete');
      expect(committed.records.map((r) => r.id).sort()).toEqual([...set.completions.keys()].sort());
    } finally {
      await server.close();
    }
  });
});
