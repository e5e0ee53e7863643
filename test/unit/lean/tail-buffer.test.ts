import { describe, expect, it } from 'vitest';
import { TailBuffer } from '../../../pipeline/lean/tail-buffer.ts';

describe('TailBuffer', () => {
  it('keeps everything below its capacity', () => {
    const buffer = new TailBuffer(16);
    buffer.push(Buffer.from('abc'));
    buffer.push(Buffer.from('def'));
    expect(buffer.text()).toBe('abcdef');
  });

  it('keeps only the last capacity bytes across many chunks', () => {
    const buffer = new TailBuffer(10);
    for (let i = 0; i < 100; i += 1) buffer.push(Buffer.from(`${i % 10}`));
    expect(buffer.text()).toBe('0123456789');
    buffer.push(Buffer.from('x'.repeat(25) + 'END'));
    expect(buffer.text()).toBe('xxxxxxxEND');
  });

  it('is empty before anything is pushed', () => {
    expect(new TailBuffer(4).text()).toBe('');
  });
});
