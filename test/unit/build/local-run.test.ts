import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunJournal } from '../../../pipeline/build/journal.ts';
import { type LocalRunEvent, runLocalBuild } from '../../../pipeline/build/local-run.ts';
import { ProoflineError } from '../../../pipeline/errors.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';
import type { CheckJob } from '../../../pipeline/stages/check-stage.ts';
import type { SampleJob } from '../../../pipeline/stages/sample-stage.ts';
import type { Stage } from '../../../pipeline/stages/stage.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function openJournal(problems: number): RunJournal {
  const journal = RunJournal.open(join(dir, 'journal.sqlite'));
  if (journal.problemCount() === 0) {
    const loader = journal.problemLoader();
    for (let k = 0; k < problems; k += 1) loader.add({ id: `p${k}`, line: k + 1, json: JSON.stringify({ id: `p${k}`, header: '', formal_statement: `theorem t${k} : True := by sorry` }) });
    loader.commit();
  }
  return journal;
}

function completion(job: SampleJob): CompletionRecord {
  return { problem_id: job.problem.id, sample_index: job.sampleIndex, text: `proof ${job.problem.id}#${job.sampleIndex}`, cached: false } as CompletionRecord;
}

function verdict(kind: 'accepted' | 'rejected'): Verdict {
  return { kind, reason: kind === 'accepted' ? null : 'lean_error' } as Verdict;
}

interface Calls {
  sampled: string[];
  checked: string[];
}

function stages(calls: Calls, options: { checkFails?: (job: CheckJob) => ProoflineError | null; checkDelayMs?: number } = {}): { sample: Stage<SampleJob, CompletionRecord>; check: Stage<CheckJob, Verdict> } {
  return {
    sample: {
      name: 'sample',
      async run(job) {
        calls.sampled.push(`${job.problem.id}#${job.sampleIndex}`);
        return completion(job);
      },
    },
    check: {
      name: 'check',
      async run(job) {
        calls.checked.push(`${job.problem.id}#${job.completion.sample_index}`);
        if (options.checkDelayMs) await new Promise((resolve) => setTimeout(resolve, options.checkDelayMs));
        const failure = options.checkFails?.(job) ?? null;
        if (failure !== null) throw failure;
        return verdict(job.completion.sample_index === 0 ? 'accepted' : 'rejected');
      },
    },
  };
}

const base = { n: 2, sampleConcurrency: 4, checkConcurrency: 2, maxPendingChecks: 4 };

describe('runLocalBuild', () => {
  it('samples and checks every (problem, sample) once and journals each verdict', async () => {
    const journal = openJournal(5);
    const calls: Calls = { sampled: [], checked: [] };
    const result = await runLocalBuild({ journal, ...base, ...stages(calls), signal: new AbortController().signal });
    expect(result).toEqual({ interrupted: false, fatalError: null });
    expect(calls.sampled.sort()).toHaveLength(10);
    expect(new Set(calls.checked).size).toBe(10);
    expect(journal.counts()).toEqual({ candidates: 10, verdict: 10, error: 0, pending: 0 });
    journal.close();
  });

  it('on a rerun redoes nothing journaled: no sample paid twice, no proof checked twice', async () => {
    const first: Calls = { sampled: [], checked: [] };
    const journal = openJournal(3);
    await runLocalBuild({ journal, ...base, ...stages(first), signal: new AbortController().signal });
    journal.close();
    const again = openJournal(3);
    const second: Calls = { sampled: [], checked: [] };
    await runLocalBuild({ journal: again, ...base, ...stages(second), signal: new AbortController().signal });
    expect(second).toEqual({ sampled: [], checked: [] });
    again.close();
  });

  it('records an infrastructure failure as an error outcome (never a verdict) and retries it on the next run', async () => {
    const journal = openJournal(2);
    const calls: Calls = { sampled: [], checked: [] };
    const crash = (job: CheckJob): ProoflineError | null => (job.problem.id === 'p1' && job.completion.sample_index === 1 ? new ProoflineError('LEAN_CRASHED', 'died') : null);
    const events: LocalRunEvent[] = [];
    await runLocalBuild({ journal, ...base, ...stages(calls, { checkFails: crash }), signal: new AbortController().signal, onEvent: (event) => events.push(event) });
    expect(journal.counts()).toEqual({ candidates: 4, verdict: 3, error: 1, pending: 0 });
    expect(events.filter((event) => event.type === 'check_failed')).toHaveLength(1);
    const rerun: Calls = { sampled: [], checked: [] };
    await runLocalBuild({ journal, ...base, ...stages(rerun), signal: new AbortController().signal });
    expect(rerun).toEqual({ sampled: [], checked: ['p1#1'] });
    expect(journal.counts()).toEqual({ candidates: 4, verdict: 4, error: 0, pending: 0 });
    journal.close();
  });

  it('stops the whole run on a run-wide failure such as missing credentials', async () => {
    const journal = openJournal(20);
    const calls: Calls = { sampled: [], checked: [] };
    const { check } = stages(calls);
    const sample: Stage<SampleJob, CompletionRecord> = {
      name: 'sample',
      async run() {
        throw new ProoflineError('SAMPLER_ACCESS_DENIED', 'no access');
      },
    };
    const result = await runLocalBuild({ journal, ...base, sample, check, signal: new AbortController().signal });
    expect(result.fatalError?.code).toBe('SAMPLER_ACCESS_DENIED');
    expect(journal.counts().candidates).toBe(0);
    journal.close();
  });

  it('keeps at most maxPendingChecks completions waiting when the checker is slower than sampling', async () => {
    const journal = openJournal(40);
    const calls: Calls = { sampled: [], checked: [] };
    let maxWaiting = 0;
    const slow = stages(calls, { checkDelayMs: 2 });
    const sample: Stage<SampleJob, CompletionRecord> = {
      name: 'sample',
      async run(job) {
        maxWaiting = Math.max(maxWaiting, calls.sampled.length - calls.checked.length);
        return slow.sample.run(job, new AbortController().signal);
      },
    };
    await runLocalBuild({ journal, ...base, sample, check: slow.check, signal: new AbortController().signal });
    expect(journal.counts().verdict).toBe(80);
    // Waiting checks + checks running + samples in flight bound what is sampled but not checked.
    expect(maxWaiting).toBeLessThanOrEqual(base.maxPendingChecks + base.checkConcurrency + base.sampleConcurrency + 1);
    journal.close();
  });
});
