import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type S3rverServer } from '../../helpers/s3rver-server.ts';
import { chatBody, startChatServer, type ChatCall, type ChatReply } from '../sample/chat-completions-server.ts';
import {
  buildSummary,
  descendants,
  processStat,
  journalCounts,
  readCommittedRun,
  recordSet,
  runBuildToEnd,
  S3_ENV,
  spawnBuild,
  waitFor,
  writeBuildConfig,
  writeProblemSet,
  type ProblemSet,
} from './robustness-kit.ts';
import { startS3Proxy } from './s3-proxy.ts';

/**
 * kill -9 of a real `proofline build` process at several points, then the same command again: the
 * committed run must hold exactly the records of an uninterrupted run of the same config (ids,
 * verdicts, completion texts, rewards), with nothing paid for or checked twice.
 */

function readCmd(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 200);
  } catch {
    return '(gone)';
  }
}

/** The last JSON progress line on stderr (printed when the stages stop). */
function lastProgress(stderr: string): { planned: number; alreadyDone: number; sampled: number; checked: number } {
  const line = stderr.split('\n').filter((l) => l.startsWith('{"progress"')).at(-1);
  if (line === undefined) throw new Error(`Expected a progress line on stderr, got: ${stderr.slice(-1000)}`);
  return (JSON.parse(line) as { progress: { planned: number; alreadyDone: number; sampled: number; checked: number } }).progress;
}

/** Journaled outcomes as stored (`problem_seq#sample_index` → outcome JSON): a re-check would rewrite them. */
function journaledOutcomes(path: string): Map<string, string> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('SELECT problem_seq, sample_index, outcome FROM outcomes').all() as { problem_seq: number; sample_index: number; outcome: string }[];
    return new Map(rows.map((r) => [`${r.problem_seq}#${r.sample_index}`, r.outcome]));
  } finally {
    db.close();
  }
}

describe('proofline build: kill -9 mid-sampling (openai sampler on loopback)', { timeout: 300_000 }, () => {
  it('resumes with the records of an uninterrupted run; every (problem, sample) is answered by the server exactly once across both runs', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 6 });
    const problemOf = (call: ChatCall): string => {
      const user = ((call.body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content) ?? '';
      const matches = set.problems.filter((p) => user.includes(p.formal_statement));
      if (matches.length !== 1) throw new Error(`Expected the prompt to name one problem, got ${matches.length}`);
      return matches[0]!.id;
    };
    // phase → `<problem>#<sample>` → answers sent
    const answered = { crashed: new Map<string, number>(), reference: new Map<string, number>() };
    let phase: 'crashed' | 'reference' = 'crashed';
    let stallAfter = 4; // answers before the server stalls (only while phase 1 runs)
    let answers = 0;
    const server = await startChatServer((call): ChatReply => {
      const key = `${problemOf(call)}#${call.body.seed as number}`;
      if (phase === 'crashed' && answers >= stallAfter) return { hang: true };
      answers += 1;
      const counts = answered[phase];
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return { status: 200, body: chatBody(set.completions.get(key)!, { reasoning: `thinking about ${key}` }) };
    });
    try {
      const openai = (cacheDir: string) => ({
        kind: 'openai',
        timeout_ms: 240_000,
        retry: { max_attempts: 2, base_delay_ms: 10, max_delay_ms: 100 },
        cache: { enabled: true, dir: cacheDir },
        openai: { base_url: server.url, model: 'served-model', seed: 0, max_concurrency: 2 },
        replay: { sources: [] },
      });
      const crashedConfig = await writeBuildConfig(set, 'crashed', { sampler: openai(join(set.dir, 'cache-crashed')) });
      const referenceConfig = await writeBuildConfig(set, 'reference', { sampler: openai(join(set.dir, 'cache-reference')) });
      const total = set.problems.length * set.n;
      const journal = join(set.dir, 'state', 'a', 'journal.sqlite');

      const first = spawnBuild(['--config', crashedConfig, '--run-id', 'a']);
      // The answers are journaled (and so in the sample cache, which is written first); the next requests hang.
      await waitFor('4 journaled completions', () => ((journalCounts(journal)?.candidates ?? 0) >= stallAfter ? true : undefined), { alive: first });
      await waitFor('a stalled request', () => (server.calls.length > stallAfter ? true : undefined), { alive: first });
      await first.kill();
      expect(first.child.signalCode).toBe('SIGKILL');
      const atKill = journalCounts(journal)!;
      expect(atKill.candidates).toBeLessThan(total);

      stallAfter = Number.POSITIVE_INFINITY;
      const rerun = await runBuildToEnd(['--config', crashedConfig, '--run-id', 'a']);
      expect(rerun.code, rerun.stderr).toBe(0);
      // Nothing answered before the kill was asked for again: each (problem, sample) paid for once.
      expect([...answered.crashed.values()].every((n) => n === 1)).toBe(true);
      expect([...answered.crashed.keys()].sort()).toEqual([...set.completions.keys()].sort());
      expect(buildSummary(rerun.stdout)).toMatchObject({ status: 'complete', candidates: total });

      phase = 'reference';
      const reference = await runBuildToEnd(['--config', referenceConfig, '--run-id', 'a-reference']);
      expect(reference.code, reference.stderr).toBe(0);
      expect(answered.reference.size).toBe(total);

      const resumed = (await readCommittedRun(join(set.dir, 'out'), 'a'))!;
      const uninterrupted = (await readCommittedRun(join(set.dir, 'out'), 'a-reference'))!;
      expect(resumed.records).toHaveLength(total);
      expect(recordSet(resumed)).toEqual(recordSet(uninterrupted));
      // The completion as sampled (reasoning, usage, model) survives the kill too.
      const pick = (run: typeof resumed) => run.records.map((r) => ({ id: r.id, reasoning: r.completion.reasoning, usage: r.completion.usage, model: r.completion.model })).sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(pick(resumed)).toEqual(pick(uninterrupted));
    } finally {
      await server.close();
    }
  });
});

describe('proofline build: SIGTERM mid-sampling (a graceful stop)', { timeout: 240_000 }, () => {
  it('stops promptly with exit 1 and a rerun hint, commits nothing, leaves no Lean process; the rerun completes without asking for any answered sample again', async () => {
    const set = await writeProblemSet({ n: 2, maxProblems: 4 });
    let stall = true;
    const answered = new Map<string, number>();
    const server = await startChatServer((call): ChatReply => {
      const user = ((call.body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content) ?? '';
      const id = set.problems.find((p) => user.includes(p.formal_statement))!.id;
      const key = `${id}#${call.body.seed as number}`;
      if (stall && answered.size >= 3) return { hang: true };
      answered.set(key, (answered.get(key) ?? 0) + 1);
      return { status: 200, body: chatBody(set.completions.get(key)!) };
    });
    try {
      const config = await writeBuildConfig(set, 'term', {
        sampler: { kind: 'openai', timeout_ms: 240_000, cache: { enabled: true, dir: join(set.dir, 'cache') }, openai: { base_url: server.url, model: 'served-model', max_concurrency: 2 }, replay: { sources: [] } },
      });
      const journal = join(set.dir, 'state', 't', 'journal.sqlite');
      const first = spawnBuild(['--config', config, '--run-id', 't']);
      await waitFor('3 journaled completions and a stalled request', () => ((journalCounts(journal)?.candidates ?? 0) >= 3 && server.calls.length > 3 ? true : undefined), { alive: first });
      const children = descendants(first.child.pid!);
      first.child.kill('SIGTERM');
      const timer = setTimeout(() => first.child.kill('SIGKILL'), 60_000);
      const ended = await first.exited;
      clearTimeout(timer);
      expect({ code: ended.code, signal: ended.signal }, ended.stderr).toEqual({ code: 1, signal: null });
      expect(ended.stderr).toMatch(/interrupted; progress is in .*journal\.sqlite\. Rerun the same command to continue\./);
      expect(await readCommittedRun(join(set.dir, 'out'), 't')).toBeNull();
      await waitFor('no process of the stopped build', () => (children.every((pid) => { const s = processStat(pid); return s === null || s.state === 'Z'; }) ? true : undefined), { timeoutMs: 20_000 });

      stall = false;
      const rerun = await runBuildToEnd(['--config', config, '--run-id', 't']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect([...answered.keys()].sort()).toEqual([...set.completions.keys()].sort());
      expect([...answered.values()].every((n) => n === 1)).toBe(true);
      const committed = (await readCommittedRun(join(set.dir, 'out'), 't'))!;
      expect(committed.manifest.status).toBe('complete');
      expect(committed.records.map((r) => [r.id, r.completion.text]).sort()).toEqual([...set.completions].sort());
    } finally {
      await server.close();
    }
  });
});

describe('proofline build: kill -9 mid-checking, mid-upload, after the parts but before the manifest', { timeout: 300_000 }, () => {
  let set: ProblemSet;
  let s3: S3rverServer;
  let bucket: string;
  let reference: ReturnType<typeof recordSet>;
  // One proof costs ~300 ms in the double, so a kill lands while checks are in flight.
  const lean = { env: { RECORDED_LEAN_CMD_MS: '300' } };
  const s3Section = (endpoint: string) => ({ endpoint, region: 'us-east-1', force_path_style: true, checksums: 'when_required', max_attempts: 2 });
  const readOptions = () => ({ s3: s3.s3Config({ force_path_style: true, checksums: 'when_required' }), ...s3.sinkDeps });

  beforeAll(async () => {
    set = await writeProblemSet({ n: 2, maxProblems: 6 });
    s3 = await startS3rver();
    bucket = await s3.createBucket();
    const config = await writeBuildConfig(set, 'reference', { lean });
    const run = await runBuildToEnd(['--config', config, '--run-id', 'reference']);
    expect(run.code, run.stderr).toBe(0);
    reference = recordSet((await readCommittedRun(join(set.dir, 'out'), 'reference'))!);
    expect(reference.records).toHaveLength(set.problems.length * set.n);
  }, 200_000); // a whole reference build at 300 ms per proof: ~30 s on a loaded 2-core machine, past the 30 s default
  afterAll(async () => {
    await s3?.close();
  });

  it('mid-checking: the rerun checks only what had no verdict, leaves journaled verdicts untouched, and commits the same records', async () => {
    const config = await writeBuildConfig(set, 'checking', { lean });
    const journal = join(set.dir, 'state', 'b', 'journal.sqlite');
    const total = set.problems.length * set.n;
    const first = spawnBuild(['--config', config, '--run-id', 'b']);
    // Some verdicts journaled while Lean processes are working on others.
    const leanProcesses = await waitFor(
      '3 journaled verdicts while Lean runs',
      () => {
        if ((journalCounts(journal)?.verdict ?? 0) < 3) return undefined;
        const running = descendants(first.child.pid!);
        return running.length > 0 ? running : undefined;
      },
      { alive: first, intervalMs: 20 },
    );
    await first.kill();
    // The build's Lean processes (sandboxed REPLs, compiles) do not outlive it.
    await waitFor('the killed build’s Lean processes to exit', () => (leanProcesses.every((pid) => { const s = processStat(pid); return s === null || s.state === 'Z'; }) ? true : undefined), { timeoutMs: 20_000 })
      .catch((error: Error) => { throw new Error(`${error.message}; still running: ${leanProcesses.filter((pid) => processStat(pid) !== null).map((pid) => `${pid} ${readCmd(pid)}`).join(', ')}`); });
    const atKill = journalCounts(journal)!;
    expect(atKill.verdict, 'killed too late: every candidate was already checked').toBeLessThan(total);
    const before = journaledOutcomes(journal);

    const rerun = await runBuildToEnd(['--config', config, '--run-id', 'b']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const progress = lastProgress(rerun.stderr);
    // The rerun planned with the journaled verdicts as done and checked exactly the rest.
    expect({ alreadyDone: progress.alreadyDone, checked: progress.checked }).toEqual({ alreadyDone: atKill.verdict, checked: total - atKill.verdict });
    // A verdict journaled before the kill is byte-identical after the rerun (a re-check would rewrite its timings).
    const after = journaledOutcomes(journal);
    for (const [key, outcome] of before) expect(after.get(key), key).toBe(outcome);

    const committed = (await readCommittedRun(join(set.dir, 'out'), 'b'))!;
    expect(committed.manifest.status).toBe('complete');
    expect(recordSet(committed)).toEqual(reference);
  });

  for (const point of [
    { name: 'mid-upload (a records part hangs)', runId: 'c', stall: (path: string) => /\/runs\/c\/records\/part-00001\.jsonl\.gz/.test(path) },
    { name: 'after the parts, before the manifest (manifest.json hangs)', runId: 'd', stall: (path: string) => /\/runs\/d\/manifest\.json/.test(path) },
  ]) {
    it(`${point.name}: no manifest until the rerun, which commits the same records against the real store`, async () => {
      const proxy = await startS3Proxy({ port: s3.port });
      proxy.decide = (method, path) => (method === 'PUT' && point.stall(path) ? 'stall' : 'forward');
      const prefix = `crash-${point.runId}`;
      try {
        const viaProxy = await writeBuildConfig(set, `upload-${point.runId}`, { lean, output: `s3://${bucket}/${prefix}`, s3: s3Section(proxy.endpoint) });
        const first = spawnBuild(['--config', viaProxy, '--run-id', point.runId], S3_ENV);
        await waitFor('the stalled PUT', () => (proxy.stalled.length > 0 ? true : undefined), { alive: first, timeoutMs: 180_000 });
        await first.kill();
        // Killed while the upload hung: parts may be there, the commit marker is not.
        expect(await readCommittedRun(`s3://${bucket}/${prefix}`, point.runId, readOptions())).toBeNull();

        const direct = await writeBuildConfig(set, `direct-${point.runId}`, { lean, output: `s3://${bucket}/${prefix}`, s3: s3Section(s3.endpoint) });
        const rerun = await runBuildToEnd(['--config', direct, '--run-id', point.runId], S3_ENV);
        expect(rerun.code, rerun.stderr).toBe(0);
        // Everything was journaled before finalize: the rerun samples and checks nothing.
        expect(lastProgress(rerun.stderr)).toMatchObject({ sampled: 0, checked: 0 });
        const committed = (await readCommittedRun(`s3://${bucket}/${prefix}`, point.runId, readOptions()))!;
        expect(committed.manifest.status).toBe('complete');
        expect(recordSet(committed)).toEqual(reference);
        // Exactly the listed objects: nothing half-written or left over from the killed attempt.
        expect([...committed.objects.keys()].filter((k) => k !== 'manifest.json').sort()).toEqual([...committed.manifest.parts, ...committed.manifest.files].map((p) => p.key).sort());
        expect(committed.latest).toMatchObject({ run_id: point.runId });
      } finally {
        await proxy.close();
      }
    });
  }

  it('after the manifest, before latest.json: the rerun of the committed run still moves latest.json to it', async () => {
    const proxy = await startS3Proxy({ port: s3.port });
    proxy.decide = (method, path) => (method === 'PUT' && path.startsWith(`/${bucket}/crash-e/latest.json`) ? 'stall' : 'forward');
    try {
      const viaProxy = await writeBuildConfig(set, 'upload-e', { lean, output: `s3://${bucket}/crash-e`, s3: s3Section(proxy.endpoint) });
      const first = spawnBuild(['--config', viaProxy, '--run-id', 'e'], S3_ENV);
      await waitFor('the stalled latest.json PUT', () => (proxy.stalled.length > 0 ? true : undefined), { alive: first, timeoutMs: 180_000 });
      await first.kill();
      const committed = (await readCommittedRun(`s3://${bucket}/crash-e`, 'e', readOptions()))!;
      expect(committed.manifest.status).toBe('complete'); // the run is committed…
      expect(committed.latest).toBeNull(); // …but latest.json never got written

      const direct = await writeBuildConfig(set, 'direct-e', { lean, output: `s3://${bucket}/crash-e`, s3: s3Section(s3.endpoint) });
      const rerun = await runBuildToEnd(['--config', direct, '--run-id', 'e'], S3_ENV);
      expect(rerun.code, rerun.stderr).toBe(0);
      const after = (await readCommittedRun(`s3://${bucket}/crash-e`, 'e', readOptions()))!;
      expect(after.latest).toMatchObject({ run_id: 'e', manifest: 'runs/e/manifest.json' });
      expect(recordSet(after)).toEqual(reference);
    } finally {
      await proxy.close();
    }
  });
});
