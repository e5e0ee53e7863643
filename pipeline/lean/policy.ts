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
 * Rules that no policy can relax live in lint.ts (debug.*, warn.*, trace.* options, the banned
 * keywords, nothing but comments after the proof).
 */

/** Option families that no policy may allow: they disable checks, hide messages or flood output. */
export const NEVER_ALLOWED_OPTION_PREFIXES = ['debug.', 'warn.', 'trace.', 'internal.'] as const;

const OPTION_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(\.\*)?$/u;
const OPTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/u;

/** Is option `name` allowed by an allowlist of exact names and `prefix.*` entries? */
export function isOptionAllowed(name: string, allowlist: readonly string[]): boolean {
  return allowlist.some((entry) => (entry.endsWith('.*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

const optionEntry = z
  .string()
  .regex(OPTION_PATTERN, 'expected an option name such as `maxRecDepth` or a prefix such as `linter.*`')
  .refine((entry) => !NEVER_ALLOWED_OPTION_PREFIXES.some((p) => entry.startsWith(p) || `${entry}.`.startsWith(p)), {
    message: `expected no option from ${NEVER_ALLOWED_OPTION_PREFIXES.map((p) => `${p}*`).join(', ')} (never allowed)`,
  });

export const PolicySchema = z
  .strictObject({
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
    /**
     * Numeric options and the largest value the model may give each (exact names). A capped option
     * must be set to a decimal literal from 1 to its cap: `maxHeartbeats 0` (unlimited) and
     * `maxRecDepth 1000000000` (a stack overflow instead of Lean's recursion-depth error) are out.
     */
    option_caps: z.record(
      z.string().regex(OPTION_NAME, 'expected an exact option name such as `maxRecDepth`'),
      z.number().int().positive(),
    ),
    /** Attributes allowed in `@[…]` and `attribute […]` (names, without `local`/`scoped`). */
    attribute_allowlist: z.array(z.string().min(1)),
  })
  .superRefine((policy, ctx) => {
    for (const name of Object.keys(policy.option_caps)) {
      if (!isOptionAllowed(name, policy.set_option_allowlist)) {
        ctx.addIssue({ code: 'custom', path: ['option_caps', name], message: `expected an option that \`set_option_allowlist\` allows (a cap on \`${name}\` would never apply)` });
      }
    }
  });

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/**
 * Caps shared by both presets. maxHeartbeats: 5x Lean's default of 200,000 and 2.5x the
 * `maxHeartbeats 400000` of the DeepSeek-Prover/Goedel-Prover headers (the wall-clock budget is
 * the real limit; the cap keeps out 0 = unlimited). synthInstance.maxHeartbeats: 20x its default
 * of 20,000. maxRecDepth: 20x its default of 512, above the few thousand Mathlib sets; values like
 * 10^9 turn Lean's recursion-depth error into a stack overflow that crashes the process.
 * synthInstance.maxSize: 8x its default of 128. exponentiation.threshold: 40x its default of 256
 * (enough for the 2^2024-style powers of competition problems).
 */
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
  option_caps: {
    maxHeartbeats: 1_000_000,
    'synthInstance.maxHeartbeats': 400_000,
    maxRecDepth: 10_000,
    'synthInstance.maxSize': 1_024,
    'exponentiation.threshold': 10_000,
  },
  attribute_allowlist: [
    'simp', 'norm_cast', 'push_cast', 'field_simps', 'instance', 'reducible', 'irreducible', 'semireducible',
    'inline', 'ext', 'refl', 'symm', 'trans', 'congr', 'gcongr', 'elab_as_elim', 'match_pattern', 'nolint',
    'inherit_doc', 'deprecated', 'aesop', 'grind',
  ],
} satisfies Partial<PolicyInput>;

export const STRICT_POLICY: Policy = deepFreeze(
  PolicySchema.parse({ name: 'strict', version: '2', allow_auxiliary: false, auxiliary_commands: [], ...SHARED }),
);

export const STANDARD_POLICY: Policy = deepFreeze(
  PolicySchema.parse({
    name: 'standard',
    version: '2',
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
  if (value !== null && typeof value === 'object' && 'max_heartbeats_cap' in value) {
    const cap = JSON.stringify((value as { max_heartbeats_cap: unknown }).max_heartbeats_cap);
    throw new ProoflineError(
      'CONFIG_INVALID',
      `Invalid ${origin}: \`max_heartbeats_cap\`: replaced by per-option caps, e.g. \`option_caps: {maxHeartbeats: ${cap}, maxRecDepth: 10000}\`; got ${cap}`,
      { details: { origin } },
    );
  }
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
