import { describe, expect, it } from 'vitest';
import { FairScheduler, type ScheduledTask } from '../../../pipeline/serve/fair-scheduler.ts';

/** Tasks that record when they start and finish only when released. */
function harness(limits = { concurrency: 1, maxQueued: 100, maxQueuedPerClient: 100 }) {
  const scheduler = new FairScheduler(limits);
  const started: string[] = [];
  const releases: Array<() => void> = [];
  const task = (clientId: string, name: string): ScheduledTask => ({
    clientId,
    isCancelled: false,
    run: () => {
      started.push(name);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
  });
  const releaseNext = async () => {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { scheduler, started, task, releaseNext };
}

describe('FairScheduler', () => {
  it('takes turns between clients: a burst from A does not delay B by more than one task', async () => {
    const { scheduler, started, task, releaseNext } = harness();
    for (let i = 0; i < 5; i += 1) scheduler.enqueue(task('A', `a${i}`));
    scheduler.enqueue(task('B', 'b0'));
    scheduler.enqueue(task('B', 'b1'));
    scheduler.enqueue(task('C', 'c0'));
    for (let i = 0; i < 8; i += 1) await releaseNext();
    expect(started).toEqual(['a0', 'a1', 'b0', 'c0', 'a2', 'b1', 'a3', 'a4']);
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    const { scheduler, started, task, releaseNext } = harness({ concurrency: 2, maxQueued: 10, maxQueuedPerClient: 10 });
    for (let i = 0; i < 5; i += 1) scheduler.enqueue(task('A', `a${i}`));
    expect(started).toHaveLength(2);
    expect(scheduler.running).toBe(2);
    expect(scheduler.queued).toBe(3);
    await releaseNext();
    expect(started).toHaveLength(3);
  });

  it('admits a request only when it fits under both the total and the per-client bound', () => {
    const { scheduler, task } = harness({ concurrency: 1, maxQueued: 5, maxQueuedPerClient: 3 });
    scheduler.enqueue(task('A', 'running'));
    for (let i = 0; i < 3; i += 1) scheduler.enqueue(task('A', `a${i}`));
    expect(scheduler.canAdmit('A', 1)).toBe(false); // A holds its 3
    expect(scheduler.canAdmit('B', 2)).toBe(true);
    expect(scheduler.canAdmit('B', 3)).toBe(false); // 3 + 3 > 5
    expect(scheduler.canAdmit('A', 0)).toBe(true); // duplicates that join a check cost nothing
    expect(scheduler.retryAfterS()).toBeGreaterThanOrEqual(1);
  });

  it('skips cancelled tasks without giving them a slot, and frees their admission space at once', async () => {
    const { scheduler, started, task, releaseNext } = harness();
    scheduler.enqueue(task('A', 'a0'));
    const dropped = task('A', 'a1');
    scheduler.enqueue(dropped);
    scheduler.enqueue(task('A', 'a2'));
    scheduler.cancel(dropped);
    expect(scheduler.queued).toBe(1);
    expect(scheduler.queuedFor('A')).toBe(1);
    await releaseNext();
    await releaseNext();
    expect(started).toEqual(['a0', 'a2']);
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => new FairScheduler({ concurrency: 0, maxQueued: 1, maxQueuedPerClient: 1 })).toThrow(/Expected concurrency to be a positive integer, got 0/u);
  });
});
