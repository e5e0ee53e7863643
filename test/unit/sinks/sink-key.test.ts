import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { compareSinkKeys, validateListPrefix, validateSinkKey } from '../../../pipeline/sinks/sink-key.ts';

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  return null;
};

describe('sink keys', () => {
  it('accepts the layout keys of a build', () => {
    for (const key of ['latest.json', 'runs/2025-01-01-ab12/records/part-00000.jsonl.gz', 'runs/r/sft/nova/train.jsonl', '.hidden', 'a..b/c...d']) {
      expect(validateSinkKey(key)).toBe(key);
    }
  });

  it.each([
    ['/etc/passwd', 'it starts with "/" (absolute)'],
    ['a/../../b', 'segment 2 is ".."'],
    ['a/./b', 'segment 2 is "."'],
    ['a//b', 'segment 2 is empty'],
    ['a/b/', 'segment 3 is empty'],
    ['a\\b', 'it contains a backslash at index 1'],
    ['a/\nb', 'it contains control character U+000a at index 2'],
    ['', 'it is empty or not a string'],
  ])('refuses %j and says why: %s', (key, why) => {
    const error = errorOf(() => validateSinkKey(key));
    expect(isProoflineError(error, 'INPUT_INVALID')).toBe(true);
    expect(error!.message).toBe(`Expected a sink key: a relative path of "/"-separated segments, none empty, "." or "..", with no backslash, NUL or control character; got ${JSON.stringify(key)} (${why})`);
  });

  it('takes partial and folder prefixes for list, but not ones that escape or are absolute', () => {
    for (const prefix of ['', 'runs/', 'runs/r1/records/part-', 'runs']) expect(validateListPrefix(prefix)).toBe(prefix);
    for (const prefix of ['/runs', '..', 'runs/..', 'a//', 'a\\']) expect(isProoflineError(errorOf(() => validateListPrefix(prefix)), 'INPUT_INVALID'), prefix).toBe(true);
  });

  it('orders keys by UTF-8 bytes, as S3 lists them', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F389 (F0 9F 8E 89) in bytes, after it in UTF-16 units.
    const keys = ['b/\u{1F389}', 'b/\uFF5E', 'a', 'b/-', 'b//x'.replace('//', '/')];
    expect([...keys].sort(compareSinkKeys)).toEqual(['a', 'b/-', 'b/x', 'b/\uFF5E', 'b/\u{1F389}']);
    expect([...keys].sort()).not.toEqual([...keys].sort(compareSinkKeys));
  });
});
