import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../pipeline/config.ts';
import { isProoflineError } from '../../../pipeline/errors.ts';

/** A misspelt key under a nested section (an env override in a manifest, a YAML typo) must fail, not vanish. */
describe('nested config sections are strict', () => {
  test.each([
    ['PROOFLINE_CONFIG__LEAN__POOL__SIZZE', 'pool'],
    ['PROOFLINE_CONFIG__LEAN__CACHE__MAX_ENTRYS', 'cache'],
    ['PROOFLINE_CONFIG__LEAN__L4__RATE', 'l4'],
    ['PROOFLINE_CONFIG__LEAN__CONTAINER__ENGIN', 'container'],
    ['PROOFLINE_CONFIG__LOG__LEVL', 'log'],
  ])('%s is CONFIG_INVALID naming the key', (name, section) => {
    let error: unknown;
    try {
      loadConfig({ env: { [name]: '4' } });
    } catch (caught) {
      error = caught;
    }
    expect(isProoflineError(error, 'CONFIG_INVALID'), String(error)).toBe(true);
    expect((error as Error).message).toContain(section);
    expect((error as Error).message.toLowerCase()).toContain(name.split('__').at(-1)!.toLowerCase());
  });

  test('the correctly spelt keys still load', () => {
    expect(loadConfig({ env: { PROOFLINE_CONFIG__LEAN__POOL__SIZE: '4', PROOFLINE_CONFIG__LOG__LEVEL: 'warn' } })).toMatchObject({ lean: { pool: { size: 4 } }, log: { level: 'warn' } });
  });
});
