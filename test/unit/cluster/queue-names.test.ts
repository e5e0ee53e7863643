import { keySlot, keySlot as calculateSlot } from './key-slot.ts';
import { describe, expect, test } from 'vitest';
import { cacheKeys, checkNamespace, limiterKeys, queueKey, queuePrefix } from '../../../pipeline/cluster/queue-names.ts';

describe('keySlot (the cluster spec, for the tests)', () => {
  test('matches the spec\'s CRC16 check value and documented slots', () => {
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}')); // empty tag: the whole key is hashed
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });
});

describe('queue names', () => {
  test('the BullMQ prefix is the namespace as a Redis Cluster hash tag', () => {
    expect(queuePrefix()).toBe('{proofline}');
    expect(queuePrefix('nightly-eu')).toBe('{nightly-eu}');
    expect(queueKey('check', 'wait')).toBe('{proofline}:check:wait');
  });

  test('every key of every queue of a namespace hashes to one slot', () => {
    const types = ['wait', 'active', 'delayed', 'prioritized', 'failed', 'completed', 'meta'] as const;
    const slots = new Set<number>();
    for (const queue of ['sample', 'check', 'dead-letter'] as const) for (const type of types) slots.add(calculateSlot(queueKey(queue, type, 'nightly')));
    // and a job hash, as BullMQ names it (<prefix>:<queue>:<job id>)
    slots.add(calculateSlot(`${queuePrefix('nightly')}:check:run-1/p00000001/s0-4`));
    expect(slots).toEqual(new Set([calculateSlot('nightly')]));
  });

  test('a cache entry and its lock share a slot, and entries spread over slots', () => {
    const a = cacheKeys('verdict', 'a'.repeat(64));
    expect(calculateSlot(a.value)).toBe(calculateSlot(a.lock));
    expect(a.value).toBe(`proofline:verdict:{${'a'.repeat(64)}}`);
    const slots = new Set(['0', '1', '2', '3', '4', '5', '6', '7'].map((c) => calculateSlot(cacheKeys('sample', c.repeat(64)).value)));
    expect(slots.size).toBeGreaterThan(1);
    const limit = limiterKeys('bedrock-tokens');
    expect(calculateSlot(limit.entries)).toBe(calculateSlot(limit.units));
  });

  test.each(['', 'a:b', '{x}', 'with space', 'x'.repeat(65), '-leading'])('refuses the namespace %j', (namespace) => {
    expect(() => checkNamespace(namespace)).toThrow(/Expected a cluster namespace/u);
    expect(() => queuePrefix(namespace)).toThrow(/CONFIG_INVALID|Expected a cluster namespace/u);
  });
});
