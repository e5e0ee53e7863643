import { describe, expect, it } from 'vitest';
import { pairCandidates, toNovaPreferenceRow, toOpenAiPreferenceRow, toTrlPreferenceRow } from '../../../pipeline/exports/preference-pairs.ts';
import { RESOURCE_REJECTIONS } from '../../../pipeline/exports/select-candidates.ts';
import { rlProblem, toBedrockRftRow, toOpenRlhfRow, toVerlRow } from '../../../pipeline/exports/rl-prompts.ts';
import { makeRecord, STATEMENT } from './canonical-fixtures.ts';

const options = { enabled: true, max_per_problem: null, dedup_identical_proofs: true };

describe('pairCandidates', () => {
  const records = [
    makeRecord({ index: 0, outcome: { error: 'LEAN_CRASHED' } }),
    makeRecord({ index: 1, outcome: { rejected: 'lean_error' } }),
    makeRecord({ index: 2, outcome: { accepted: true } }),
    makeRecord({ index: 3, outcome: { rejected: 'no_proof' }, proof: null }),
    makeRecord({ index: 4, outcome: { rejected: 'sorry' } }),
    makeRecord({ index: 5, outcome: { accepted: true } }),
    makeRecord({ index: 6, outcome: { rejected: 'timeout' } }),
  ];

  it('pairs the i-th verified with the i-th rejected in sample order; an errored check is never the rejected side', () => {
    const pairs = pairCandidates(records, options).map((p) => [p.chosen.sample_index, p.rejected.sample_index]);
    expect(pairs).toEqual([[2, 1], [5, 4]]);
    const onlyErrors = [records[0]!, records[2]!];
    expect(pairCandidates(onlyErrors, options)).toEqual([]);
  });

  it('never takes a resource verdict (timeout, memory_limit, crashes_lean) as the rejected side: only proofs rejected for what they are', () => {
    const resourceFirst = [
      makeRecord({ index: 0, outcome: { rejected: 'timeout' } }),
      makeRecord({ index: 1, outcome: { rejected: 'memory_limit' } }),
      makeRecord({ index: 2, outcome: { rejected: 'crashes_lean' } }),
      makeRecord({ index: 3, outcome: { accepted: true } }),
      makeRecord({ index: 4, outcome: { accepted: true } }),
      makeRecord({ index: 5, outcome: { rejected: 'statement_mismatch' } }),
      makeRecord({ index: 6, outcome: { accepted: true } }),
    ];
    expect(pairCandidates(resourceFirst, options).map((p) => [p.chosen.sample_index, p.rejected.sample_index])).toEqual([[3, 5]]);
    expect(pairCandidates(resourceFirst.filter((r) => r.sample_index !== 5), options)).toEqual([]);
    expect([...RESOURCE_REJECTIONS].sort()).toEqual(['crashes_lean', 'memory_limit', 'timeout']);
  });

  it('caps pairs per problem and is the same whatever order records come in', () => {
    expect(pairCandidates(records, { ...options, max_per_problem: 1 })).toHaveLength(1);
    expect(pairCandidates([...records].reverse(), options)).toEqual(pairCandidates(records, options));
  });

  it('renders TRL, Nova (candidates + preferenceLabel) and OpenAI DPO rows', () => {
    const [pair] = pairCandidates(records, options);
    const trl = toTrlPreferenceRow(pair!);
    expect(trl.prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(trl.chosen[0]).toMatchObject({ role: 'assistant', reasoning_content: 'Reason 2' });
    expect(trl.rejected[0]!.content).toContain('-- try 1');
    expect(trl).toMatchObject({ rejected_reason: 'lean_error', rejected_layer: 'L2' });
    const nova = toNovaPreferenceRow(pair!);
    expect(nova.messages[1]).toEqual({
      role: 'assistant',
      candidates: [
        { content: [{ text: expect.stringContaining('-- try 2') }], preferenceLabel: 'preferred' },
        { content: [{ text: expect.stringContaining('-- try 1') }], preferenceLabel: 'non-preferred' },
      ],
    });
    const openai = toOpenAiPreferenceRow(pair!);
    expect(openai.input.messages).toHaveLength(2);
    expect(openai.preferred_output[0]!.content).toMatch(/^<think>\nReason 2\n<\/think>/u);
    expect(openai.non_preferred_output[0]!.content).toContain('-- try 1');
  });
});

describe('RL prompt rows', () => {
  const records = [makeRecord({ index: 0, outcome: { accepted: true } }), makeRecord({ index: 1, outcome: { rejected: 'sorry' } }), makeRecord({ index: 2, outcome: { error: 'CHECKER_INTERNAL' } })];

  it('one row per problem with the trusted statement as the reference; errored candidates not counted as sampled', () => {
    const problem = rlProblem(records)!;
    expect(problem).toMatchObject({ sampled: 2, verified: 1 });
    expect(toVerlRow(problem, 7)).toEqual({
      data_source: 'proofline/fixture',
      prompt: [{ role: 'system', content: 'You are a Lean 4 expert.' }, { role: 'user', content: records[0]!.prompt.user }],
      ability: 'lean4_theorem_proving',
      reward_model: { style: 'rule', ground_truth: 'p1' },
      extra_info: { problem_id: 'p1', formal_statement: STATEMENT, header: '', split: 'train', index: 7, sampled: 2, verified: 1 },
    });
    expect(JSON.parse(toOpenRlhfRow(problem).label)).toEqual({ problem_id: 'p1', formal_statement: STATEMENT, header: '' });
    expect(toBedrockRftRow(problem).reference_answer).toEqual({ problem_id: 'p1', formal_statement: STATEMENT, header: '' });
  });

  it('gives a held-out problem no prompt row', () => {
    expect(rlProblem(records.map((r) => ({ ...r, held_out: { reason: 'eval_statement_match' as const, detail: 'x' } })))).toBeNull();
  });
});
