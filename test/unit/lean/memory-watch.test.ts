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
      onFailure: (error) => events.push(`failure ${String(error)}`),
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
    const stop = startMemoryWatch(target, { limitMb: 300, pollMs: 100, onExceeded, onFailure: vi.fn() });
    await vi.advanceTimersByTimeAsync(250);
    const callsAtStop = target.calls();
    stop();
    stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(target.calls()).toBe(callsAtStop);
    expect(onExceeded).not.toHaveBeenCalled();
  });

  it('reports a failing sample (EMFILE) once as a failure and stops: never 0 MiB, never exceeded', async () => {
    const onSample = vi.fn();
    const onExceeded = vi.fn();
    const onFailure = vi.fn();
    let calls = 0;
    const emfile = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    startMemoryWatch({ rssMb: () => (calls++, Promise.reject(emfile)) }, { limitMb: 1, pollMs: 100, onExceeded, onSample, onFailure });
    await vi.advanceTimersByTimeAsync(1000);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledWith(emfile);
    expect(onSample).not.toHaveBeenCalled();
    expect(onExceeded).not.toHaveBeenCalled();
    expect(calls).toBe(1);
  });

  it('rejects a non-positive limit or period', () => {
    expect(() => startMemoryWatch(sampled([1]), { limitMb: 0, onExceeded: vi.fn(), onFailure: vi.fn() })).toThrow(/limitMb/);
    expect(() => startMemoryWatch(sampled([1]), { limitMb: 1, pollMs: 0, onExceeded: vi.fn(), onFailure: vi.fn() })).toThrow(/pollMs/);
  });
});
