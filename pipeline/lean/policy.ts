import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProoflineError } from '../errors.ts';

/**
 * What a model may write besides the proof. Policies are data (datasets/policies/*.yaml); the two
 * presets are embedded here too so the library never reads files at import time. A policy's
 * `name@version` goes into every verdict's provenance and into the verdict cache key, so change
 * the version whenever the meaning of a preset changes.
 *
 * Rules that no policy can relax live in lint.ts (debug.*, warn.*, trace.* options,
 * `maxHeartbeats 0`, the banned keywords).
 */

/** Option families that no policy may allow: they disable checks, hide messages or flood output. */
export const NEVER_ALLOWED_OPTION_PREFIXES = ['debug.', 'warn.', 'trace.', 'internal.'] as const;

const OPTION_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(\.\*)?$/u;

const optionEntry = z
  .string()
  .regex(OPTION_PATTERN, 'expected an option name such as `maxRecDepth` or a prefix such as `linter.*`')
  .refine((entry) => !NEVER_ALLOWED_OPTION_PREFIXES.some((p) => entry.startsWith(p) || `${entry}.`.startsWith(p)), {
    message: `expected no option from ${NEVER_ALLOWED_OPTION_PREFIXES.map((p) => `${p}*`).join(', ')} (never allowed)`,
  });

export const PolicySchema = z.strictObject({
  name: z.string().min(1, 'expected a non-empty policy name'),
  version: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
  /** May the model put declarations before the trusted statement? */
  allow_auxiliary: z.boolean(),
  /** Top-level command keywords allowed in auxiliary text (`theorem`, `def`, …). */
  auxiliary_commands: z.array(z.string().min(1)),
  /** Exact constant names the target's axiom closure may contain. Never a pattern. */
  allowed_axioms: z.array(z.string().min(1)),
  /** Options `set_option` may set: exact names, or prefixes ending in `.*`. */
  set_option_allowlist: z.array(optionEntry),
  /** Upper bound for `maxHeartbeats`/`synthInstance.maxHeartbeats` set by the model (0 = unlimited is never allowed). */
  max_heartbeats_cap: z.number().int().positive(),
  /** Attributes allowed in `@[…]` and `attribute […]` (names, without `local`/`scoped`). */
  attribute_allowlist: z.array(z.string().min(1)),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

const SHARED = {
  allowed_axioms: ['propext', 'Classical.choice', 'Quot.sound'],
  set_option_allowlist: [
    'maxHeartbeats',
    'maxRecDepth',
    'synthInstance.maxHeartbeats',
    'synthInstance.maxSize',
    'exponentiation.threshold',
    'linter.*',
    'pp.*',
  ],
  max_heartbeats_cap: 1_000_000,
  attribute_allowlist: [
    'simp', 'norm_cast', 'push_cast', 'field_simps', 'instance', 'reducible', 'irreducible', 'semireducible',
    'inline', 'ext', 'refl', 'symm', 'trans', 'congr', 'gcongr', 'elab_as_elim', 'match_pattern', 'nolint',
    'inherit_doc', 'deprecated', 'aesop', 'grind',
  ],
} satisfies Partial<PolicyInput>;

export const STRICT_POLICY: Policy = deepFreeze(
  PolicySchema.parse({ name: 'strict', version: '1', allow_auxiliary: false, auxiliary_commands: [], ...SHARED }),
);

export const STANDARD_POLICY: Policy = deepFreeze(
  PolicySchema.parse({
    name: 'standard',
    version: '1',
    allow_auxiliary: true,
    auxiliary_commands: [
      'theorem', 'lemma', 'def', 'abbrev', 'instance', 'example', 'namespace', 'end', 'section', 'open',
      'noncomputable', 'private', 'protected', 'set_option',
    ],
    ...SHARED,
  }),
);

export const POLICY_PRESETS: Readonly<Record<string, Policy>> = Object.freeze({ strict: STRICT_POLICY, standard: STANDARD_POLICY });

export function policyId(policy: Pick<Policy, 'name' | 'version'>): string {
  return `${policy.name}@${policy.version}`;
}

/** Validate a policy object (e.g. from a config file). Errors name the key, the expectation and what was received. */
export function parsePolicy(value: unknown, origin = 'policy'): Policy {
  const result = PolicySchema.safeParse(value);
  if (result.success) return deepFreeze(result.data);
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const received = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), value);
    return `\`${key}\`: ${issue.message}; got ${JSON.stringify(received) ?? 'nothing'}`;
  });
  throw new ProoflineError('CONFIG_INVALID', `Invalid ${origin}: ${problems.join('; ')}`, { details: { origin, problems } });
}

/**
 * A preset by name (`strict`, `standard`) or a YAML/JSON policy file by path. `readFile` is
 * injectable for tests; it defaults to reading UTF-8 from disk.
 */
export function loadPolicy(nameOrPath: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Policy {
  const preset = POLICY_PRESETS[nameOrPath];
  if (preset !== undefined) return preset;
  let text: string;
  try {
    text = readFile(nameOrPath);
  } catch (cause) {
    throw new ProoflineError(
      'CONFIG_INVALID',
      `Expected a policy preset (${Object.keys(POLICY_PRESETS).join(', ')}) or a readable policy file, got \`${nameOrPath}\` (${(cause as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      { cause },
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (cause) {
    throw new ProoflineError('CONFIG_INVALID', `Expected YAML or JSON in policy file \`${nameOrPath}\`: ${(cause as Error).message}`, { cause });
  }
  return parsePolicy(value, `policy file \`${nameOrPath}\``);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
