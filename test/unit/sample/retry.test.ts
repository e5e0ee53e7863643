import { describe, expect, test } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { parseRetryAfterMs } from '../../../pipeline/sample/openai-sampler.ts';
import { backoffDelayMs, retryWithBackoff } from '../../../pipeline/sample/retry.ts';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const noSleep = async (): Promise<void> => {};

describe('retryWithBackoff', () => {
  test('retries retryable ProoflineErrors and reports each wait before it happens', async () => {
    const waits: Array<[string, number, number]> = [];
    let calls = 0;
    const value = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new ProoflineError('SAMPLER_THROTTLED', 'slow down');
        return 'ok';
      },
      policy,
      { sleep: noSleep, random: () => 0, onRetry: (error, attempt, delayMs) => waits.push([error.code, attempt, delayMs]) },
    );
    expect(value).toBe('ok');
    expect(waits).toEqual([['SAMPLER_THROTTLED', 1, 50], ['SAMPLER_THROTTLED', 2, 100]]);
  });

  test('does not retry a non-retryable error or a plain Error', async () => {
    for (const error of [new ProoflineError('SAMPLER_REQUEST_INVALID', 'bad'), new TypeError('bug')]) {
      let calls = 0;
      await expect(retryWithBackoff(async () => { calls += 1; throw error; }, policy, { sleep: noSleep })).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  test('gives up after maxAttempts and records the attempts on the error', async () => {
    let calls = 0;
    const failure = await retryWithBackoff(async () => { calls += 1; throw new ProoflineError('SAMPLER_UNAVAILABLE', 'down'); }, policy, { sleep: noSleep }).catch((error: unknown) => error);
    expect(calls).toBe(4);
    expect((failure as ProoflineError).details.attempts).toBe(4);
  });

  test('an abort during the backoff wait abandons the retry with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('shutdown');
    const pending = retryWithBackoff(async () => { throw new ProoflineError('SAMPLER_THROTTLED', 'x'); }, { ...policy, baseDelayMs: 60_000, maxDelayMs: 60_000 }, { signal: controller.signal, onRetry: () => controller.abort(reason) });
    await expect(pending).rejects.toBe(reason);
  });
});

describe('backoffDelayMs (equal jitter)', () => {
  test('stays within [step/2, step] and doubles per attempt up to the cap', () => {
    expect(backoffDelayMs(policy, 1, null, () => 0)).toBe(50);
    expect(backoffDelayMs(policy, 1, null, () => 0.999999)).toBe(100);
    expect(backoffDelayMs(policy, 3, null, () => 0)).toBe(200);
    expect(backoffDelayMs(policy, 10, null, () => 0.5)).toBe(750);
  });

  test('honours a Retry-After as a floor, capped at maxDelayMs', () => {
    expect(backoffDelayMs(policy, 1, 700, () => 0)).toBe(700);
    expect(backoffDelayMs(policy, 1, 5000, () => 0)).toBe(1000);
  });
});

describe('parseRetryAfterMs', () => {
  test('reads delta-seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfterMs('soon')).toBeNull();
    expect(parseRetryAfterMs(null)).toBeNull();
  });
});
