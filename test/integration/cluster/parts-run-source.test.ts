import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EvalIndex } from '../../../pipeline/build/decontaminate.ts';
import { finalizeRun, type FinalizeOptions, journalRunSource, type RunSource } from '../../../pipeline/build/finalize.ts';
import { type CheckOutcomeRow, RunJournal } from '../../../pipeline/build/journal.ts';
import { candidatePartKey, deadLetterKey, encodeCandidatePart, PART_SCHEMA } from '../../../pipeline/cluster/job-payloads.ts';
import { encodeProblemList, openPartsRunSource, problemsKey, RUN_INFO_SCHEMA, runInfoKey } from '../../../pipeline/cluster/parts-run-source.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import { FsSink } from '../../../pipeline/sinks/fs-sink.ts';
import { completion, verdict } from '../../unit/cluster/payload-fixtures.ts';

const RUN = 'cluster-equivalence-20261201-abc';
const CONFIG_HASH = 'c'.repeat(64);
const N = 3;
const PROBLEMS = [
  { id: 'alpha', header: '', formal_statement: 'theorem alpha : 1 + 1 = 2 := by sorry' },
  { id: 'beta', source: 'minif2f', split: 'test', header: '', formal_statement: 'theorem beta : 2 + 2 = 4 := by sorry' },
  { id: 'gamma', header: '', formal_statement: 'theorem gamma (n : Nat) : n + 0 = n := by sorry' },
];
type Outcome = CheckOutcomeRow | 'missing';
const crash: CheckOutcomeRow = { kind: 'error', error: { code: 'LEAN_CRASHED', message: 'Lean died', retryable: true } };
const ok = (kind: 'accepted' | 'rejected'): CheckOutcomeRow => ({ kind: 'verdict', verdict: verdict(kind) });

/** Per problem: the outcome of each sample, and how the cluster split it into jobs. */
const SCENARIOS: Record<string, { outcomes: Outcome[][]; jobs: { from: number; to: number }[][] }> = {
  complete: {
    outcomes: [[ok('accepted'), ok('rejected'), ok('accepted')], [ok('accepted'), ok('rejected'), ok('rejected')], [ok('rejected'), ok('accepted'), ok('accepted')]],
    jobs: [[{ from: 0, to: 3 }], [{ from: 0, to: 3 }], [{ from: 0, to: 1 }, { from: 1, to: 3 }]],
  },
  partial: {
    outcomes: [[ok('accepted'), ok('rejected'), ok('accepted')], [ok('accepted'), crash, 'missing'], [ok('rejected'), 'missing', ok('accepted')]],
    jobs: [[{ from: 0, to: 3 }], [{ from: 0, to: 3 }], [{ from: 0, to: 2 }, { from: 2, to: 3 }]],
  },
};

const candidateOf = (problemId: string, sampleIndex: number): CompletionRecord => ({ ...completion(sampleIndex, problemId), text: `\`\`\`lean4\nby simp -- ${problemId} ${sampleIndex}\n\`\`\``, proof: `by simp -- ${problemId} ${sampleIndex}` });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cluster-parts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function finalizeOptions(sink: FsSink, source: RunSource): FinalizeOptions {
  return {
    source, sink, n: N, run: { runId: RUN, configHash: CONFIG_HASH, dataset: 'equivalence' },
    template: { version: 'v1', system: 's', user: '{{formal_statement}}' },
    splits: { validation_fraction: 0.3, salt: 's' }, holdOutEvalSets: true, evalIndex: new EvalIndex([]),
    exports: { sft: { enabled: true, max_per_problem: null, dedup_identical_proofs: true }, preference: { enabled: true, max_per_problem: null, dedup_identical_proofs: true }, rl_prompts: { enabled: true } },
    rowsPerPart: 2, price: null,
    provenance: { toolchain: { lean: '4.33.0', mathlib_rev: null, checker_version: 'x' }, policy: { name: 'strict', version: '2' }, problems_sha256: 'p'.repeat(64) },
    now: () => new Date('2026-12-01T03:00:00.000Z'),
  };
}

/** What the coordinator and the workers leave in the sink for a scenario. */
async function writeClusterRun(sink: FsSink, scenario: (typeof SCENARIOS)[string]): Promise<void> {
  await sink.put(runInfoKey(RUN), JSON.stringify({ schema: RUN_INFO_SCHEMA, run_id: RUN, config_hash: CONFIG_HASH, problems_sha256: 'a'.repeat(64), problems: PROBLEMS.length, invalid_problem_lines: 1, n: N, toolchain: { lean: '4.33.0', mathlib_rev: null, checker_version: 'x' } }));
  await sink.put(problemsKey(RUN), encodeProblemList(PROBLEMS.map((p, seq) => ({ seq, id: p.id, json: JSON.stringify(p) }))));
  for (const [seq, problem] of PROBLEMS.entries()) {
    for (const range of scenario.jobs[seq]!) {
      const candidates = [];
      for (let i = range.from; i < range.to; i += 1) {
        const outcome = scenario.outcomes[seq]![i]!;
        if (outcome === 'missing') await sink.put(deadLetterKey(RUN, seq, { from: i, to: i + 1 }, 'sample'), '{}');
        else candidates.push({ sample_index: i, completion: candidateOf(problem.id, i), outcome: outcome as never });
      }
      await sink.put(candidatePartKey(RUN, seq, range), encodeCandidatePart({ schema: PART_SCHEMA, run_id: RUN, config_hash: CONFIG_HASH, problem_seq: seq, problem_id: problem.id, samples: range, candidates }));
    }
  }
}

async function filesUnder(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path), await readFile(path));
  }
  return files;
}

describe('a cluster run finalized from its parts', () => {
  test.each(Object.keys(SCENARIOS))('writes byte for byte what the local build writes from its journal (%s run)', async (name) => {
    const scenario = SCENARIOS[name]!;
    // Local: the journal, as runLocalBuild leaves it.
    const journal = RunJournal.open(join(dir, 'journal.sqlite'));
    journal.setMeta('invalid_problem_lines', '1');
    const loader = journal.problemLoader();
    PROBLEMS.forEach((p, seq) => loader.add({ id: p.id, line: seq + 1, json: JSON.stringify(p) }));
    loader.commit();
    for (const [seq, problem] of PROBLEMS.entries()) {
      for (const [i, outcome] of scenario.outcomes[seq]!.entries()) {
        if (outcome === 'missing') continue;
        journal.recordCompletion(seq, i, candidateOf(problem.id, i));
        journal.recordOutcome(seq, i, outcome);
      }
    }
    const localSink = new FsSink(join(dir, 'local'));
    const local = await finalizeRun(finalizeOptions(localSink, journalRunSource(journal)));
    journal.close();

    // Cluster: the same candidates as parts (some problems split over several jobs) and dead letters.
    const clusterSink = new FsSink(join(dir, 'cluster'));
    await writeClusterRun(clusterSink, scenario);
    const source = await openPartsRunSource(clusterSink, RUN);
    expect(source.unaccounted()).toEqual([]);
    const cluster = await finalizeRun(finalizeOptions(clusterSink, source));

    expect(cluster.status).toBe(local.status);
    expect(local.status).toBe(name === 'complete' ? 'complete' : 'partial');
    const localFiles = await filesUnder(join(dir, 'local'));
    const clusterFiles = await filesUnder(join(dir, 'cluster'));
    const published = [...clusterFiles.keys()].filter((key) => !key.startsWith('work/')).sort();
    expect(published).toEqual([...localFiles.keys()].sort());
    expect(published.some((key) => key.startsWith(`runs/${RUN}/records/part-`))).toBe(true);
    for (const key of published) expect(clusterFiles.get(key)!.equals(localFiles.get(key)!), key).toBe(true);
  });
});

describe('openPartsRunSource', () => {
  test('a job with neither a part nor a dead letter is unaccounted: the run is not finished', async () => {
    const sink = new FsSink(join(dir, 'out'));
    await writeClusterRun(sink, SCENARIOS.complete!);
    await sink.delete(candidatePartKey(RUN, 2, { from: 1, to: 3 }));
    expect((await openPartsRunSource(sink, RUN)).unaccounted()).toEqual([{ seq: 2, from: 1, to: 3 }]);
  });

  test('overlapping parts (two granularities in one run) are refused, naming both', async () => {
    const sink = new FsSink(join(dir, 'out'));
    await writeClusterRun(sink, SCENARIOS.complete!);
    await sink.put(candidatePartKey(RUN, 2, { from: 0, to: 3 }), encodeCandidatePart({ schema: PART_SCHEMA, run_id: RUN, config_hash: CONFIG_HASH, problem_seq: 2, problem_id: 'gamma', samples: { from: 0, to: 3 }, candidates: [] }));
    const error = await openPartsRunSource(sink, RUN).catch((caught: unknown) => caught);
    expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/p00000002-s0000-0003\.json\.gz overlaps .*p00000002-s0000-0001\.json\.gz: two jobs claim the same candidates/u);
  });

  test('a part written under another config hash, or a run without run.json, is INPUT_INVALID', async () => {
    const sink = new FsSink(join(dir, 'out'));
    await expect(openPartsRunSource(sink, RUN)).rejects.toThrow(`No cluster run ${RUN}`);
    await sink.put(runInfoKey(RUN), JSON.stringify({ schema: RUN_INFO_SCHEMA, run_id: RUN }));
    await expect(openPartsRunSource(sink, RUN)).rejects.toThrow(`work/${RUN}/run.json: \`config_hash\`: Invalid input`);
    await writeClusterRun(sink, SCENARIOS.complete!);
    await sink.put(candidatePartKey(RUN, 0, { from: 0, to: 3 }), encodeCandidatePart({ schema: PART_SCHEMA, run_id: RUN, config_hash: 'd'.repeat(64), problem_seq: 0, problem_id: 'alpha', samples: { from: 0, to: 3 }, candidates: [] }));
    const source = await openPartsRunSource(sink, RUN);
    await expect(source.candidatesOf(0)).rejects.toThrow(/written under config hash dddddddddddd…, run .* has cccccccccccc…/u);
  });
});
