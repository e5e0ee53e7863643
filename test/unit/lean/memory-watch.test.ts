import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startMemoryWatch } from '../../../pipeline/lean/memory-watch.ts';

function sampled(values: number[]): { rssMb: () => Promise<number>; calls: () => number } {
  let index = 0;
  return {
    rssMb: async () => values[Math.min(index++, values.length - 1)]!,
    calls: () => index,
  };
}

describe('startMemoryWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('samples at once and every pollMs, and reports the first sample above the limit once', async () => {
    const target = sampled([100, 200, 400, 500]);
    const events: string[] = [];
    startMemoryWatch(target, {
      limitMb: 300,
      pollMs: 200,
      onSample: (rssMb) => events.push(`sample ${rssMb}`),
      onExceeded: (rssMb) => events.push(`exceeded ${rssMb}`),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['sample 100']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual(['sample 100', 'sample 200', 'sample 400', 'exceeded 400']);
    expect(target.calls()).toBe(3);
  });

  it('stops sampling when stopped', async () => {
    const target = sampled([1]);
    const onExceeded = vi.fn();
    const stop = startMemoryWatch(target, { limitMb: 300, pollMs: 100, onExceeded });
    await vi.advanceTimersByTimeAsync(250);
    const callsAtStop = target.calls();
    stop();
    stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(target.calls()).toBe(callsAtStop);
    expect(onExceeded).not.toHaveBeenCalled();
  });

  it('treats a failing sample as a gone process (0 MiB), not an error', async () => {
    const onSample = vi.fn();
    startMemoryWatch({ rssMb: () => Promise.reject(new Error('ENOENT /proc/1234/status')) }, { limitMb: 1, pollMs: 100, onExceeded: vi.fn(), onSample });
    await vi.advanceTimersByTimeAsync(0);
    expect(onSample).toHaveBeenCalledWith(0);
  });

  it('rejects a non-positive limit or period', () => {
    expect(() => startMemoryWatch(sampled([1]), { limitMb: 0, onExceeded: vi.fn() })).toThrow(/limitMb/);
    expect(() => startMemoryWatch(sampled([1]), { limitMb: 1, pollMs: 0, onExceeded: vi.fn() })).toThrow(/pollMs/);
  });
});
