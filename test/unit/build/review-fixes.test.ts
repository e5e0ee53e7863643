import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvalIndex } from '../../../pipeline/build/decontaminate.ts';
import { finalizeRun } from '../../../pipeline/build/finalize.ts';
import { RunJournal } from '../../../pipeline/build/journal.ts';
import { RunStats } from '../../../pipeline/build/run-stats.ts';
import { FsSink } from '../../../pipeline/sinks/fs-sink.ts';
import { makeRecord } from '../exports/canonical-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'build-review-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('build review fixes (issues #7)', () => {
  it('counts problems named __proto__ or constructor like any other, without touching Object.prototype', () => {
    const stats = new RunStats();
    for (const problem of ['__proto__', 'constructor', 'p1']) stats.recordCandidate(makeRecord({ problem, index: 0, outcome: { accepted: true } }));
    const json = stats.toJSON();
    expect(json.summary.problems).toBe(3);
    expect(Object.keys(json.per_problem).sort()).toEqual(['__proto__', 'constructor', 'p1']);
    expect(({} as Record<string, unknown>).n).toBeUndefined();
  });

  it('holds out a statement that an evaluation problem of the same run has, under any other id and source', async () => {
    const journal = RunJournal.open(join(dir, 'journal.sqlite'));
    const statement = 'theorem t (n : Nat) (h : n = 2) : n + n = 4 := by sorry';
    journal.setMeta('invalid_problem_lines', '3');
    const loader = journal.problemLoader();
    loader.add({ id: 'eval', line: 1, json: JSON.stringify({ id: 'eval', source: 'minif2f', split: 'test', header: '', formal_statement: statement }) });
    loader.add({ id: 'copy', line: 2, json: JSON.stringify({ id: 'copy', source: 'lean-workbook', split: 'train', header: '', formal_statement: statement.replace('theorem t', 'theorem copy_t') }) });
    loader.commit();
    const completion = { problem_id: 'x', sample_index: 0, sampler: 'replay', model: 'm', prompt_version: 'v1', request_hash: '0'.repeat(64), seed: null, text: '```lean4\nby subst h; rfl\n```', reasoning: null, reasoning_source: null, reasoning_redacted: false, proof: 'by subst h; rfl', auxiliary: null, proof_source: 'body_only', no_proof: null, stop_reason: 'recorded', truncated: false, usage: { input_tokens: 0, output_tokens: 0 }, latency_ms: 0, cached: false };
    const verdict = makeRecord({ index: 0, outcome: { accepted: true } }).verdict;
    for (const seq of [0, 1]) {
      journal.recordCompletion(seq, 0, completion);
      journal.recordOutcome(seq, 0, { kind: 'verdict', verdict });
    }
    const sink = new FsSink(join(dir, 'out'));
    const result = await finalizeRun({
      journal, sink, n: 1, run: { runId: 'r', configHash: 'h', dataset: 'd' },
      template: { version: 'v1', system: 's', user: '{{formal_statement}}' },
      splits: { validation_fraction: 0, salt: 's' }, holdOutEvalSets: true, evalIndex: new EvalIndex([]),
      exports: { sft: { enabled: true, max_per_problem: null, dedup_identical_proofs: true }, preference: { enabled: false, max_per_problem: null, dedup_identical_proofs: true }, rl_prompts: { enabled: true } },
      rowsPerPart: 100, price: null,
      provenance: { toolchain: { lean: '4.33.0', mathlib_rev: null, checker_version: 'x' }, policy: { name: 'strict', version: '2' }, problems_sha256: 'p' },
    });
    journal.close();
    expect(result.stats.summary.held_out).toEqual({ problems: 2, by_reason: { eval_split: 1, eval_statement_match: 1 } });
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'runs', 'r', 'manifest.json'), 'utf8')) as { parts: { export: string }[]; counts: { invalid_problem_lines: number } };
    expect(manifest.counts.invalid_problem_lines).toBe(3); // --skip-invalid lines are counted, not dropped
    expect(manifest.parts.filter((p) => p.export.startsWith('sft') || p.export.startsWith('rl'))).toEqual([]);
  });
});
