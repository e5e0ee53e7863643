import { describe, expect, it } from 'vitest';
import { selectVerified } from '../../../pipeline/exports/select-candidates.ts';
import { toHfSftRow, toNovaSftRow, toOpenAiSftRow } from '../../../pipeline/exports/sft-rows.ts';
import { makeRecord } from './canonical-fixtures.ts';

const all = { enabled: true, max_per_problem: null, dedup_identical_proofs: true };

describe('selectVerified', () => {
  it('keeps accepted, non-truncated, not held-out candidates in sample order; never errors or rejections', () => {
    const records = [
      makeRecord({ index: 3, outcome: { accepted: true } }),
      makeRecord({ index: 0, outcome: { rejected: 'lean_error' } }),
      makeRecord({ index: 1, outcome: { error: 'LEAN_CRASHED' } }),
      makeRecord({ index: 2, outcome: { accepted: true }, truncated: true }),
      makeRecord({ index: 4, outcome: { accepted: true } }),
    ];
    expect(selectVerified(records, all).map((r) => r.sample_index)).toEqual([3, 4]);
    const heldOut = records.map((r) => ({ ...r, held_out: { reason: 'eval_split' as const, detail: 'minif2f test' } }));
    expect(selectVerified(heldOut, all)).toEqual([]);
  });

  it('drops identical checked proofs when asked and caps per problem', () => {
    const records = [0, 1, 2, 3].map((index) => makeRecord({ index, outcome: { accepted: true }, proof: index < 3 ? 'by omega' : 'by simp_all' }));
    expect(selectVerified(records, all).map((r) => r.sample_index)).toEqual([0, 3]);
    expect(selectVerified(records, { ...all, dedup_identical_proofs: false }).map((r) => r.sample_index)).toEqual([0, 1, 2, 3]);
    expect(selectVerified(records, { ...all, dedup_identical_proofs: false, max_per_problem: 2 }).map((r) => r.sample_index)).toEqual([0, 1]);
  });

  it('refuses records of two problems', () => {
    expect(() => selectVerified([makeRecord({ index: 0, outcome: { accepted: true } }), makeRecord({ problem: 'p2', index: 0, outcome: { accepted: true } })], all)).toThrow('p1 and p2');
  });
});

describe('SFT rows', () => {
  const record = makeRecord({ index: 0, outcome: { accepted: true }, reasoning: 'Substitute n = 2.' });
  const fence = '```lean4\ntheorem t (n : Nat) (h : n = 2) : n + n = 4 := by subst h; rfl -- try 0\n```';

  it('HF/TRL: system, user, assistant with reasoning_content and the checked file (trusted statement) as content', () => {
    const row = toHfSftRow(record);
    expect(row.messages).toEqual([
      { role: 'system', content: 'You are a Lean 4 expert.', reasoning_content: null },
      { role: 'user', content: record.prompt.user, reasoning_content: null },
      { role: 'assistant', content: fence, reasoning_content: 'Substitute n = 2.' },
    ]);
    // The model's own text restated the theorem as `= 5`; the export carries what was checked.
    expect(record.completion.text).toContain('= 5');
    expect(row.messages_think_inline[2]).toEqual({ role: 'assistant', content: `<think>\nSubstitute n = 2.\n</think>\n\n${fence}`, reasoning_content: null });
    expect(row).toMatchObject({ id: 'p1#0', verified: true, toolchain: '4.33.0', policy: 'strict@1', proof_hash: record.hashes.proof });
  });

  it('Nova: reasoningContent.reasoningText then the text block; OpenAI: reasoning inlined as <think>', () => {
    expect(toNovaSftRow(record)).toEqual({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: 'You are a Lean 4 expert.' }],
      messages: [
        { role: 'user', content: [{ text: record.prompt.user }] },
        { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'Substitute n = 2.' } } }, { text: fence }] },
      ],
    });
    expect(toOpenAiSftRow(record).messages[2]).toEqual({ role: 'assistant', content: `<think>\nSubstitute n = 2.\n</think>\n\n${fence}` });
  });

  it('ships a completion whose reasoning the API redacted without any reasoning, in every format', () => {
    const redacted = makeRecord({ index: 1, outcome: { accepted: true }, redacted: true, reasoning: 'prose around the code' });
    expect(toHfSftRow(redacted).messages[2]!.reasoning_content).toBeNull();
    expect(toNovaSftRow(redacted).messages[1]!.content).toEqual([{ text: expect.stringMatching(/^```lean4\n/u) }]);
    expect(toOpenAiSftRow(redacted).messages[2]!.content).not.toContain('<think>');
  });
});
