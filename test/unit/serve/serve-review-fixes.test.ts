import { describe, expect, it } from 'vitest';
import { FairScheduler, type ScheduledTask } from '../../../pipeline/serve/fair-scheduler.ts';

describe('FairScheduler memory (review of issue #8)', () => {
  it('does not keep finished tasks of a client whose queue never empties (a steady reward loop)', async () => {
    const scheduler = new FairScheduler({ concurrency: 1, maxQueued: 100_000, maxQueuedPerClient: 100_000 });
    const release: Array<() => void> = [];
    const task = (): ScheduledTask => ({ clientId: 'trainer', isCancelled: false, run: () => new Promise<void>((resolve) => release.push(resolve)) });
    for (let i = 0; i < 10; i += 1) scheduler.enqueue(task());
    let maxRetained = 0;
    for (let i = 0; i < 6000; i += 1) {
      scheduler.enqueue(task()); // one more arrives before each finishes: the queue never empties
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
      maxRetained = Math.max(maxRetained, scheduler.retained);
    }
    expect(scheduler.queued).toBeLessThan(20);
    expect(maxRetained).toBeLessThan(2100);
  });
});

describe('bearer tokens from the environment (review of issue #8)', () => {
  it('refuses a token shorter than a config file may hold', async () => {
    const { parseTokenList } = await import('../../../pipeline/serve/bearer-auth.ts');
    expect(() => parseTokenList('trainer=short')).toThrow(/at least 16 characters/);
    expect(parseTokenList('trainer=0123456789abcdef0123')).toEqual([{ client: 'trainer', token: '0123456789abcdef0123' }]);
  });
});
