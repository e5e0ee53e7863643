import { describe, expect, it } from 'vitest';
import { splitCompletion } from '../../../pipeline/extract/extract-reasoning.ts';

const fence = (label: string, body: string) => '```' + label + '\n' + body + '\n```';

describe('splitCompletion: which text is the Lean code', () => {
  it('takes the last block labelled lean4 or lean', () => {
    const text = `Draft:\n${fence('lean4', 'by simp')}\nBetter:\n${fence('lean', 'by omega')}\nDone.`;
    expect(splitCompletion(text)).toMatchObject({ code: 'by omega', fence: 'lean_block' });
  });

  it('reads the label case-insensitively and ignores attributes after it', () => {
    expect(splitCompletion(fence('Lean4 {linenos}', 'by decide'))).toMatchObject({ code: 'by decide', fence: 'lean_block' });
  });

  it('never takes blocks in other languages, including lean3 and tactics', () => {
    const result = splitCompletion(`${fence('tactics', 'simp')}\n${fence('python', 'print(1)')}\n${fence('lean3', 'begin simp end')}`);
    expect(result.code).toBeNull();
    if (result.code === null) expect(result.detail).toBe('the completion has 3 fenced block(s) labelled `tactics`, `python`, `lean3` and none labelled lean4 or lean');
  });

  it('takes the whole text when there is no fence', () => {
    expect(splitCompletion('  nlinarith [sq_nonneg x]\n')).toEqual({ code: '  nlinarith [sq_nonneg x]\n', fence: 'none', reasoning: null });
  });

  it('takes the text before a closing fence that has no opening fence', () => {
    const text = '  linarith\n```\n\nIn this problem we use linear arithmetic.';
    expect(splitCompletion(text)).toEqual({ code: '  linarith', fence: 'before_closing_fence', reasoning: 'In this problem we use linear arithmetic.' });
  });

  it('keeps the text before a closing fence when prose and a stray closing fence follow', () => {
    const text = '  simp\n  ring\n```\n\nThe proof simplifies and closes with ring.\n```';
    expect(splitCompletion(text)).toMatchObject({ code: '  simp\n  ring', fence: 'before_closing_fence' });
  });

  it('prefers a later lean4 block over the text before the first closing fence', () => {
    const text = `  linarith\n\`\`\`\n\nExplanation.\n${fence('tactics', 'linarith')}\n${fence('lean4', 'theorem t : 1 = 1 := by\n  rfl')}`;
    expect(splitCompletion(text)).toMatchObject({ code: 'theorem t : 1 = 1 := by\n  rfl', fence: 'lean_block' });
  });

  it('opens a block at a bare fence after prose, as Markdown does', () => {
    expect(splitCompletion('Proof:\n```\nby simp\n```\n')).toMatchObject({ code: 'by simp', fence: 'unlabelled_block', reasoning: 'Proof:' });
  });

  it('runs an unterminated final lean4 block to the end of the text', () => {
    expect(splitCompletion('Thinking…\n```lean4\ntheorem t : True := by\n  trivi')).toMatchObject({
      code: 'theorem t : True := by\n  trivi',
      fence: 'unterminated_block',
    });
  });

  it('starts a new block at a labelled fence inside an unclosed one', () => {
    const text = '```lean4\ntheorem t : True := by\n```lean4\ntheorem t : True := trivial\n```';
    expect(splitCompletion(text)).toMatchObject({ code: 'theorem t : True := trivial', fence: 'lean_block' });
  });

  it('only recognises fences at the start of a line', () => {
    expect(splitCompletion('use `` ```lean4 `` fences: by simp')).toMatchObject({ fence: 'none' });
  });
});

describe('splitCompletion: reasoning', () => {
  it('returns the <think> block when present', () => {
    const text = `<think>\nLet me try simp.\n</think>\n${fence('lean4', 'by simp')}`;
    expect(splitCompletion(text)).toEqual({ code: 'by simp', fence: 'lean_block', reasoning: 'Let me try simp.' });
  });

  it('takes the text before </think> when the opening tag was in the prompt', () => {
    expect(splitCompletion(`Try omega.\n</think>\n${fence('lean4', 'by omega')}`).reasoning).toBe('Try omega.');
  });

  it('returns the prose outside the chosen block otherwise, and null when there is none', () => {
    expect(splitCompletion(`We add.\n${fence('lean4', 'by simp')}\nQED`).reasoning).toBe('We add.\n\nQED');
    expect(splitCompletion(fence('lean4', 'by simp')).reasoning).toBeNull();
  });

  it('takes the code after </think> when there is no fence', () => {
    expect(splitCompletion('<think>easy</think>\nby simp')).toEqual({ code: '\nby simp', fence: 'none', reasoning: 'easy' });
  });

  it('finds no code in a completion cut off inside its think block', () => {
    const result = splitCompletion('<think>\nFirst, consider');
    expect(result).toMatchObject({ code: null, reasoning: 'First, consider' });
  });
});
