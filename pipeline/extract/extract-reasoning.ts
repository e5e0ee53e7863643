/**
 * Splits a model completion into its Lean code and its natural-language reasoning.
 *
 * Which text is the code (in order):
 * - the LAST fenced block labelled `lean4` or `lean` (case-insensitive; the first word of the info
 *   string). A prover's final answer comes after its drafts.
 * - Text before a first, unlabelled ``` that closes nothing counts as a Lean block too: prompts
 *   often end inside an open ```lean4 fence, and the model continues the proof and then closes it
 *   (`linarith\n```\n\nIn this problem…`). This applies when that ``` is the only fence, the next
 *   fence opens a labelled block, or a blank line follows it (prose after a closed block);
 *   otherwise a bare ``` opens a block as in Markdown (`Proof:\n```\nsimp\n```\n`).
 * - a fence left open at the end (truncated output) runs to the end of the text;
 * - when no block is labelled Lean, the last unlabelled block;
 * - a completion with no fence at all is Lean code as a whole.
 * Blocks labelled with another language (`tactics`, `python`, `lean3`) are never Lean code.
 * Fences are recognised at line starts only (CommonMark); a labelled fence inside an open block
 * starts a new block, because models do not nest fences but do forget to close them.
 *
 * Reasoning: the `<think>…</think>` block when present (from the start of the text when only the
 * closing tag is there, to the end when only the opening tag is), else the prose outside the
 * chosen code block; null when empty.
 */

export type FenceKind = 'lean_block' | 'before_closing_fence' | 'unterminated_block' | 'unlabelled_block' | 'none';

export type SplitCompletion =
  | { code: string; fence: FenceKind; reasoning: string | null }
  | { code: null; detail: string; reasoning: string | null };

interface Marker {
  lineStart: number;
  lineEnd: number; // offset of the '\n' ending the marker line, or text.length
  label: string; // first word of the info string, lower-cased; '' for a bare fence
}

interface Block {
  label: string; // '<prefix>' for text before a closing-only fence
  contentStart: number;
  contentEnd: number;
  outerStart: number;
  outerEnd: number;
  terminated: boolean;
}

const FENCE_LINE = /^[ \t]{0,3}(`{3,})([^`\n]*)$/gmu;
const LEAN_LABELS = new Set(['lean', 'lean4']);

function findMarkers(text: string): Marker[] {
  const markers: Marker[] = [];
  if (text.indexOf('```') < 0) return markers;
  FENCE_LINE.lastIndex = 0;
  for (let m = FENCE_LINE.exec(text); m !== null; m = FENCE_LINE.exec(text)) {
    const info = (m[2] ?? '').trim();
    const label = info === '' ? '' : (info.split(/[\s{]/u)[0] ?? '').toLowerCase();
    markers.push({ lineStart: m.index, lineEnd: m.index + m[0].length, label });
  }
  return markers;
}

function isBlankLineAfter(text: string, lineEnd: number): boolean {
  const next = text.indexOf('\n', lineEnd + 1);
  return text.slice(lineEnd + 1, next < 0 ? text.length : next).trim() === '';
}

function findBlocks(text: string, markers: Marker[]): Block[] {
  const blocks: Block[] = [];
  let next = 0;
  const first = markers[0];
  if (
    first !== undefined &&
    first.label === '' &&
    text.slice(0, first.lineStart).trim() !== '' &&
    (markers.length === 1 || markers[1]?.label !== '' || isBlankLineAfter(text, first.lineEnd))
  ) {
    blocks.push({ label: '<prefix>', contentStart: 0, contentEnd: first.lineStart > 0 && text.charCodeAt(first.lineStart - 1) === 0x0a ? first.lineStart - 1 : first.lineStart, outerStart: 0, outerEnd: first.lineEnd, terminated: true });
    next = 1;
  }
  let open: Marker | null = null;
  const contentStartOf = (m: Marker): number => Math.min(m.lineEnd + 1, text.length);
  // content ends before the newline that precedes a closing fence line
  const contentEndBefore = (m: Marker, start: number): number => (m.lineStart > start && text.charCodeAt(m.lineStart - 1) === 0x0a ? m.lineStart - 1 : m.lineStart);
  for (let k = next; k < markers.length; k++) {
    const m = markers[k] as Marker;
    if (open === null) {
      open = m;
    } else if (m.label === '') {
      blocks.push({ label: open.label, contentStart: contentStartOf(open), contentEnd: contentEndBefore(m, contentStartOf(open)), outerStart: open.lineStart, outerEnd: m.lineEnd, terminated: true });
      open = null;
    } else {
      blocks.push({ label: open.label, contentStart: contentStartOf(open), contentEnd: contentEndBefore(m, contentStartOf(open)), outerStart: open.lineStart, outerEnd: m.lineStart, terminated: false });
      open = m;
    }
  }
  if (open !== null) {
    blocks.push({ label: open.label, contentStart: contentStartOf(open), contentEnd: text.length, outerStart: open.lineStart, outerEnd: text.length, terminated: false });
  }
  return blocks;
}

function chooseBlock(blocks: Block[]): Block | undefined {
  for (let k = blocks.length - 1; k >= 0; k--) {
    const b = blocks[k] as Block;
    if (LEAN_LABELS.has(b.label) || b.label === '<prefix>') return b;
  }
  for (let k = blocks.length - 1; k >= 0; k--) {
    const b = blocks[k] as Block;
    if (b.label === '') return b;
  }
  return undefined;
}

function thinkBlock(text: string): string | null | undefined {
  const open = text.indexOf('<think>');
  const close = text.indexOf('</think>', open < 0 ? 0 : open);
  if (open < 0 && close < 0) return undefined;
  const inner = text.slice(open < 0 ? 0 : open + '<think>'.length, close < 0 ? text.length : close).trim();
  return inner === '' ? null : inner;
}

function joinProse(before: string, after: string): string {
  const a = before.trim();
  const b = after.trim();
  return a !== '' && b !== '' ? `${a}\n\n${b}` : a + b;
}

function orNull(s: string): string | null {
  const t = s.trim();
  return t === '' ? null : t;
}

export function splitCompletion(text: string): SplitCompletion {
  const think = thinkBlock(text);
  const markers = findMarkers(text);
  if (markers.length === 0) {
    // No fence: the whole text is code, except a think block, which is reasoning.
    if (think === undefined) return { code: text, fence: 'none', reasoning: null };
    const close = text.indexOf('</think>');
    const code = close < 0 ? '' : text.slice(close + '</think>'.length);
    if (code.trim() === '') return { code: null, detail: 'the completion has no code fence and nothing after its think block', reasoning: think };
    return { code, fence: 'none', reasoning: think };
  }
  const blocks = findBlocks(text, markers);
  const chosen = chooseBlock(blocks);
  if (chosen === undefined) {
    const labels = [...new Set(blocks.map((b) => `\`${b.label}\``))].join(', ');
    return {
      code: null,
      detail: `the completion has ${blocks.length} fenced block(s) labelled ${labels} and none labelled lean4 or lean`,
      reasoning: think !== undefined ? think : orNull(text),
    };
  }
  const fence: FenceKind =
    chosen.label === '<prefix>' ? 'before_closing_fence' : !chosen.terminated ? 'unterminated_block' : chosen.label === '' ? 'unlabelled_block' : 'lean_block';
  const reasoning = think !== undefined ? think : orNull(joinProse(text.slice(0, chosen.outerStart), text.slice(chosen.outerEnd)));
  return { code: text.slice(chosen.contentStart, chosen.contentEnd), fence, reasoning };
}
