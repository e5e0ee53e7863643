import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { STANDARD_POLICY, STRICT_POLICY, loadPolicy, parsePolicy, policyId, type Policy } from '../../../pipeline/lean/policy.ts';

const presetFile = (name: string) => fileURLToPath(new URL(`../../../datasets/policies/${name}.yaml`, import.meta.url));

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isProoflineError(error, 'CONFIG_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a CONFIG_INVALID error');
}

describe('policy presets', () => {
  it('loads the presets by name', () => {
    expect(loadPolicy('strict')).toBe(STRICT_POLICY);
    expect(loadPolicy('standard')).toBe(STANDARD_POLICY);
  });

  it.each(['strict', 'standard'])('keeps datasets/policies/%s.yaml equal to the embedded preset', (name) => {
    expect(loadPolicy(presetFile(name))).toEqual(loadPolicy(name));
  });

  it('lets strict allow no auxiliary text and standard allow the listed commands', () => {
    expect(STRICT_POLICY).toMatchObject({ allow_auxiliary: false, auxiliary_commands: [] });
    expect(STANDARD_POLICY.allow_auxiliary).toBe(true);
    expect(STANDARD_POLICY.auxiliary_commands).toEqual(expect.arrayContaining(['theorem', 'lemma', 'def', 'abbrev', 'instance', 'example', 'namespace', 'end', 'section', 'open', 'noncomputable']));
    expect(STANDARD_POLICY.auxiliary_commands).not.toContain('axiom');
  });

  it('caps maxRecDepth and the other numeric options in both presets', () => {
    for (const policy of [STRICT_POLICY, STANDARD_POLICY]) {
      expect(policy.option_caps).toEqual({
        maxHeartbeats: 1_000_000,
        'synthInstance.maxHeartbeats': 400_000,
        maxRecDepth: 10_000,
        'synthInstance.maxSize': 1_024,
        'exponentiation.threshold': 10_000,
      });
    }
  });

  it('allows exactly the three standard axioms in both presets', () => {
    for (const policy of [STRICT_POLICY, STANDARD_POLICY]) expect(policy.allowed_axioms).toEqual(['propext', 'Classical.choice', 'Quot.sound']);
  });

  it('freezes the presets', () => {
    expect(Object.isFrozen(STRICT_POLICY)).toBe(true);
    expect(() => (STRICT_POLICY.allowed_axioms as string[]).push('sorryAx')).toThrow(TypeError);
  });

  it('names a policy as name@version', () => {
    expect(policyId(STRICT_POLICY)).toBe('strict@2');
    expect(policyId(STANDARD_POLICY)).toBe('standard@2');
  });
});

describe('loadPolicy from a file', () => {
  const custom: Policy = { ...STANDARD_POLICY, name: 'team', version: '7' };

  it('reads YAML and JSON through the injected reader', () => {
    const yaml = `name: team\nversion: 7\nallow_auxiliary: true\nauxiliary_commands: [lemma]\nallowed_axioms: [propext]\nset_option_allowlist: [maxRecDepth]\noption_caps: {maxRecDepth: 2000}\nattribute_allowlist: [simp]\n`;
    const fromYaml = loadPolicy('team.yaml', () => yaml);
    expect(fromYaml).toMatchObject({ name: 'team', version: '7', auxiliary_commands: ['lemma'], option_caps: { maxRecDepth: 2000 } });
    expect(loadPolicy('team.json', () => JSON.stringify(custom))).toEqual(custom);
  });

  it('names the key, the expectation and the received value', () => {
    const message = configError(() => loadPolicy('bad.json', () => JSON.stringify({ ...custom, option_caps: { maxHeartbeats: '400000' } })));
    expect(message).toContain('`option_caps.maxHeartbeats`');
    expect(message).toContain('expected number');
    expect(message).toContain('"400000"');
  });

  it('rejects unknown keys, so a misspelt key is not silently ignored', () => {
    expect(configError(() => parsePolicy({ ...custom, allow_auxilliary: false }))).toContain('allow_auxilliary');
  });

  it.each(['debug.skipKernelTC', 'debug.*', 'warn.sorry', 'trace.*'])('refuses to allowlist the option %s', (entry) => {
    const message = configError(() => parsePolicy({ ...custom, set_option_allowlist: ['maxRecDepth', entry] }));
    expect(message).toContain('`set_option_allowlist.1`');
    expect(message).toContain('never allowed');
  });

  it('rejects a cap of 0, and a cap on an option the allowlist does not allow', () => {
    expect(configError(() => parsePolicy({ ...custom, option_caps: { maxHeartbeats: 0 } }))).toContain('`option_caps.maxHeartbeats`');
    const message = configError(() => parsePolicy({ ...custom, option_caps: { maxHeartbeats: 400_000, autoImplicit: 1 } }));
    expect(message).toContain('`option_caps.autoImplicit`');
    expect(message).toContain('set_option_allowlist');
  });

  it('says what replaced max_heartbeats_cap in an old policy file', () => {
    const { option_caps: _caps, ...old } = custom;
    const message = configError(() => loadPolicy('old.yaml', () => JSON.stringify({ ...old, max_heartbeats_cap: 400000 })));
    expect(message).toContain('`max_heartbeats_cap`: replaced by per-option caps');
    expect(message).toContain('option_caps: {maxHeartbeats: 400000');
  });

  it('reports an unreadable file and invalid YAML as CONFIG_INVALID', () => {
    const missing = configError(() =>
      loadPolicy('nope.yaml', () => {
        throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      }),
    );
    expect(missing).toContain('nope.yaml');
    expect(missing).toContain('ENOENT');
    expect(configError(() => loadPolicy('x.yaml', () => 'name: [unclosed'))).toContain('x.yaml');
  });

  it('reads the preset file from disk with the default reader', () => {
    expect(readFileSync(presetFile('strict'), 'utf8')).toContain('name: strict');
    expect(loadPolicy(presetFile('strict')).name).toBe('strict');
  });
});
