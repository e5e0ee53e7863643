// A build with fake stages for build-kill-nine.test.ts: runs over a journal at argv[2], logging every
// paid completion and every Lean check (L2, uncached) to files next to it BEFORE returning it, so a
// rerun after kill -9 shows what was done twice. Not a test file itself.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunJournal } from '../../../pipeline/build/journal.ts';
import { runLocalBuild } from '../../../pipeline/build/local-run.ts';
import type { CompletionRecord } from '../../../pipeline/schemas/completion.ts';
import type { Verdict } from '../../../pipeline/schemas/verdict.ts';

const [dir, problemsArg, layer] = [process.argv[2]!, Number(process.argv[3] ?? 300), (process.argv[4] ?? 'L2') as Verdict['layer']];
const journal = RunJournal.open(join(dir, 'journal.sqlite'));
if (journal.problemCount() === 0) {
  const loader = journal.problemLoader();
  for (let i = 0; i < problemsArg; i += 1) loader.add({ id: `p${i}`, line: i + 1, json: JSON.stringify({ id: `p${i}`, formal_statement: 'x', header: '' }) });
  loader.commit();
}
const verdict = { kind: 'accepted', reason: null, detail: '', layer, axioms: [], messages: [], elapsed_ms: 3, cached: false, timings: {}, provenance: {} } as unknown as Verdict;
const result = await runLocalBuild({
  journal,
  n: 4,
  sample: {
    name: 'sample',
    async run({ problem, sampleIndex }) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      appendFileSync(join(dir, 'paid.log'), `${problem.id}/${sampleIndex}\n`);
      return { problem_id: problem.id, sample_index: sampleIndex, sampler: 'bedrock', text: 't', cached: false } as unknown as CompletionRecord;
    },
  },
  check: {
    name: 'check',
    async run({ problem, completion }) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      appendFileSync(join(dir, 'checked.log'), `${problem.id}/${(completion as unknown as { sample_index: number }).sample_index}\n`);
      return verdict;
    },
  },
  sampleConcurrency: 8,
  checkConcurrency: 4,
  maxPendingChecks: 16,
  signal: new AbortController().signal,
});
journal.close();
process.stdout.write(`${JSON.stringify({ fatal: result.fatalError?.code ?? null })}\n`);
