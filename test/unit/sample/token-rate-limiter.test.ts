import { describe, expect, test } from 'vitest';
import { type LimiterClock, TokenRateLimiter } from '../../../pipeline/sample/token-rate-limiter.ts';

/** Virtual time: sleeping advances the clock instantly, so waits are exact and tests are fast. */
function virtualClock(): LimiterClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('TokenRateLimiter', () => {
  test('admits requests while they fit the window, then waits until the oldest leaves it', async () => {
    const clock = virtualClock();
    const limiter = new TokenRateLimiter({ tokensPerWindow: 1000, windowMs: 60_000, marginMs: 0, clock });
    const admittedAt: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      await limiter.acquire(400);
      admittedAt.push(clock.now());
    }
    expect(admittedAt).toEqual([0, 0, 60_000]);
    expect(limiter.usedTokens()).toBe(400);
  });

  test('keeps tokens counted for a margin past the window, so a late-arriving request cannot double up at the backend', async () => {
    const clock = virtualClock();
    const limiter = new TokenRateLimiter({ tokensPerWindow: 1000, windowMs: 60_000, clock });
    expect(limiter.marginMs).toBe(1200);
    await limiter.acquire(800);
    await limiter.acquire(800);
    expect(clock.now()).toBe(61_200);
  });

  test('settling to the real usage frees the unused part of a reservation', async () => {
    const clock = virtualClock();
    const limiter = new TokenRateLimiter({ tokensPerWindow: 1000, windowMs: 60_000, marginMs: 0, clock });
    const first = await limiter.acquire(900);
    first.settle(150);
    await limiter.acquire(800);
    expect(clock.now()).toBe(0);
    expect(limiter.usedTokens()).toBe(950);
  });

  test('admits a request larger than the limit alone into an empty window instead of never', async () => {
    const clock = virtualClock();
    const limiter = new TokenRateLimiter({ tokensPerWindow: 100, windowMs: 1000, marginMs: 0, clock });
    await limiter.acquire(50);
    await limiter.acquire(5000);
    expect(clock.now()).toBe(1000);
    expect(limiter.usedTokens()).toBe(5000);
  });

  test('serves waiters first come, first served', async () => {
    const clock = virtualClock();
    const limiter = new TokenRateLimiter({ tokensPerWindow: 100, windowMs: 1000, marginMs: 0, clock });
    const order: string[] = [];
    await Promise.all(['a', 'b', 'c'].map(async (name) => {
      await limiter.acquire(100);
      order.push(name);
    }));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(clock.now()).toBe(2000);
  });

  test('rejects a wait when its signal aborts and lets the next waiter through', async () => {
    const limiter = new TokenRateLimiter({ tokensPerWindow: 10, windowMs: 60_000 });
    await limiter.acquire(10);
    const controller = new AbortController();
    const waiting = limiter.acquire(10, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  test('rejects a non-positive limit with an "Expected … got …" TypeError', () => {
    expect(() => new TokenRateLimiter({ tokensPerWindow: 0, windowMs: 10 })).toThrow('Expected tokensPerWindow > 0, got 0');
  });
});
