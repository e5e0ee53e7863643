/**
 * L0 + L1 throughput (extract → assemble → lexical gate) on one core, over every row of every
 * attempt file in ../shared/data/attempts (falls back to test/fixtures/attempts when the shared
 * folder is absent, and says so), side by side with the baseline people use today: a regex scan
 * of the raw completion for banned words. Also counts false rejects on the publisher-verified
 * proofs under BOTH presets (strict and standard): what a policy bans on purpose (native_decide;
 * auxiliary code under strict) is counted apart, every other false reject is listed by id.
 * And catches on a small corpus of cheats, for both scanners.
 *   npm run bench -- lint [--repeats N]
 * Writes bench/results/lint.json and bench/results/lint.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { lintInput, type LintOutcome } from '../pipeline/lean/lint.ts';
import { STANDARD_POLICY, STRICT_POLICY, policyId, type Policy } from '../pipeline/lean/policy.ts';
import type { CheckInput } from '../pipeline/schemas/problem.ts';
import { describeMachine, ratios, summarize, writeBenchReport, type BenchReport } from './bench-report.ts';

const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared', 'data');
/** Problem files the attempt files key into (see ../shared/data/attempts/README.md). */
const PROBLEM_FILES = ['minif2f.jsonl', 'lean_workbook_sample.jsonl'];

/** What a typical harness greps for (Kimina/DeepSeek-style checks, extended to our banned list). */
const NAIVE_BANNED =
  /\b(?:sorry|admit|sorryAx|native_decide|axiom|implemented_by|extern|csimp|unsafe|partial|opaque|prelude|macro|macro_rules|syntax|elab|notation|infix|variable|include|run_cmd|run_tac|initialize|ofReduceBool|trustCompiler|modifyEnv|addDecl|unsafeCast)\b|#(?:eval|exit|print|guard_msgs|check|reduce|synth)\b|set_option\s+(?:debug|warn)\./u;

interface BenchInput extends CheckInput {
  verified: boolean;
  /** `<file>:<line>` of the attempt row. */
  origin: string;
  /** The row's bare `candidate` when the completion used is its longer `reasoning` (else null). */
  candidate: string | null;
}

interface Corpus {
  inputs: BenchInput[];
  source: string;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

function loadCorpus(): Corpus {
  if (existsSync(join(SHARED, 'attempts')) && PROBLEM_FILES.every((f) => existsSync(join(SHARED, 'problems', f)))) {
    const problems = new Map<string, { header: string; formal_statement: string }>();
    for (const f of PROBLEM_FILES) for (const p of readJsonl<{ id: string; header: string; formal_statement: string }>(join(SHARED, 'problems', f))) problems.set(p.id, p);
    const files = readdirSync(join(SHARED, 'attempts')).filter((f) => f.endsWith('.jsonl')).sort();
    const inputs: BenchInput[] = [];
    for (const file of files) {
      readJsonl<{ problem_id: string; candidate: string; reasoning?: string; verified: boolean }>(join(SHARED, 'attempts', file)).forEach((row, index) => {
        const p = problems.get(row.problem_id);
        if (p === undefined) throw new Error(`Expected problem ${row.problem_id} (from ${file}) in ${PROBLEM_FILES.join(' or ')}, found none`);
        // Kimina rows with a recorded chain of thought: the full completion is what a sampler returns.
        inputs.push({
          id: row.problem_id,
          header: p.header,
          formal_statement: p.formal_statement,
          completion: row.reasoning ?? row.candidate,
          verified: row.verified,
          origin: `${file}:${index + 1}`,
          candidate: row.reasoning === undefined ? null : row.candidate,
        });
      });
    }
    return { inputs, source: `../shared/data/attempts: ${files.join(', ')} (Kimina rows use the full <think> completion where recorded; their bare candidate is also checked for false rejects)` };
  }
  const rows = readJsonl<{ problem_id: string; header: string; formal_statement: string; candidate: string; reasoning?: string; verified: boolean }>(
    join(ROOT, 'test', 'fixtures', 'attempts', 'sample.jsonl'),
  );
  return {
    inputs: rows.map((r, index) => ({
      id: r.problem_id,
      header: r.header,
      formal_statement: r.formal_statement,
      completion: r.reasoning ?? r.candidate,
      verified: r.verified,
      origin: `sample.jsonl:${index + 1}`,
      candidate: r.reasoning === undefined ? null : r.candidate,
    })),
    source: 'FALLBACK test/fixtures/attempts/sample.jsonl (../shared/data/attempts not found): 23 rows, not comparable with full-corpus runs',
  };
}

/** Why a policy rejected a verified proof: on purpose (the policy bans the construct) or not. */
interface FalseRejects {
  policy: string;
  verified_completions: number;
  banned_by_policy: Record<string, number>;
  /** Every other rejection of a verified proof, one entry each. */
  other: Array<{ origin: string; id: string; text: 'completion' | 'candidate'; layer: string; reason: string; detail: string }>;
}

/** The construct a policy bans on purpose that this rejection is about, or null. */
function bannedOnPurpose(outcome: LintOutcome, policy: Policy): string | null {
  if (outcome.reason !== 'banned_construct') return null;
  if (/`(?:native_decide|\+native|native :=|Lean\.ofReduceBool)`/u.test(outcome.detail)) return 'native_decide (trusts compiled code)';
  if (!policy.allow_auxiliary && outcome.layer === 'L0') return `auxiliary code under ${policy.name}`;
  return null;
}

function falseRejects(inputs: BenchInput[], policy: Policy): FalseRejects {
  const result: FalseRejects = { policy: policyId(policy), verified_completions: 0, banned_by_policy: {}, other: [] };
  for (const input of inputs) {
    if (!input.verified) continue;
    const texts: Array<['completion' | 'candidate', string]> = [['completion', input.completion]];
    if (input.candidate !== null) texts.push(['candidate', input.candidate]);
    for (const [text, completion] of texts) {
      result.verified_completions++;
      const outcome = lintInput({ ...input, completion }, policy);
      if (outcome.kind !== 'rejected') continue;
      const purpose = bannedOnPurpose(outcome, policy);
      if (purpose !== null) result.banned_by_policy[purpose] = (result.banned_by_policy[purpose] ?? 0) + 1;
      else result.other.push({ origin: input.origin, id: input.id, text, layer: outcome.layer, reason: outcome.reason ?? '?', detail: outcome.detail });
    }
  }
  return result;
}

/** Cheats both scanners should catch (from test/unit/lean/lint*.test.ts), as model completions. */
const CHEATS = [
  'by\n  exact «sorry»',
  'by\n  admit',
  'by\n  exact sorryAx _ true',
  'by\n  exact (s!"{sorry}").length',
  'by\n  native_decide',
  'by\n  decide +native',
  'by\n  decide (config := { native := true })',
  'by\n  set_option maxHeartbeats 0 in\n  simp',
  'by\n  set_option debug.skipKernelTC true in\n  simp',
  'by simp\n#guard_msgs (drop all) in\nexample : False := by simp',
  'by simp\n#exit',
  'by\n  exact `(tactic| rfl)',
  '```lean4\naxiom cheat : False\n\ntheorem t : False := cheat.elim\n```',
  '```lean4\n@[implemented_by f] def g : Bool := false\n\ntheorem t : False := by simp\n```',
  '```lean4\nlocal notation "ℕ₁" => Int\n\ntheorem t : False := by simp\n```',
];

function naiveRejects(completion: string): string | null {
  return NAIVE_BANNED.exec(completion)?.[0] ?? null;
}

/** Wall and CPU (user + system) milliseconds for one pass over the inputs. */
function timeOnce(inputs: BenchInput[], scan: (input: BenchInput) => unknown): { wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const input of inputs) scan(input);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function countTokens(map: Map<string, number>, token: string): void {
  map.set(token, (map.get(token) ?? 0) + 1);
}

export async function run(args: string[]): Promise<BenchReport> {
  const repeatsArg = args.indexOf('--repeats');
  const repeats = repeatsArg >= 0 ? Number(args[repeatsArg + 1]) : 7;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`Expected --repeats to be a positive integer, got ${args[repeatsArg + 1]}`);
  const { inputs, source } = loadCorpus();
  const policy = STANDARD_POLICY;
  const proofline = (input: BenchInput) => lintInput(input, policy);
  const baseline = (input: BenchInput) => naiveRejects(input.completion);

  // warm-up (JIT), not counted
  timeOnce(inputs, proofline);
  timeOnce(inputs, baseline);
  const base: Array<{ wallMs: number; cpuMs: number }> = [];
  const ours: Array<{ wallMs: number; cpuMs: number }> = [];
  for (let r = 0; r < repeats; r++) {
    base.push(timeOnce(inputs, baseline));
    ours.push(timeOnce(inputs, proofline));
  }
  const baseMs = base.map((t) => t.wallMs);
  const ourMs = ours.map((t) => t.wallMs);
  const perSecond = (ms: number[]) => ms.map((m) => Math.round((inputs.length * 1000) / m));
  const perCandidateUs = (ms: number[]) => ms.map((m) => Math.round(((m * 1000) / inputs.length) * 100) / 100);

  // Per-candidate latency of proofline (one timed pass).
  const latencies = inputs.map((input) => {
    const t = performance.now();
    proofline(input);
    return (performance.now() - t) * 1000;
  });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 10) / 10;

  // Verdict quality on the publisher-verified proofs and on the cheat corpus.
  const naiveFalse = new Map<string, number>();
  const oursFalse = new Map<string, number>();
  const byPolicy = [STRICT_POLICY, STANDARD_POLICY].map((p) => falseRejects(inputs, p));
  const oursNoProof = { verified: 0, unverified: 0 };
  let verified = 0;
  let bytes = 0;
  for (const input of inputs) {
    bytes += Buffer.byteLength(input.completion);
    const outcome = proofline(input);
    if (outcome.reason === 'no_proof') oursNoProof[input.verified ? 'verified' : 'unverified']++;
    if (!input.verified) continue;
    verified++;
    const word = naiveRejects(input.completion);
    if (word !== null) countTokens(naiveFalse, word);
    if (outcome.kind === 'rejected') countTokens(oursFalse, /`([^`]*)`/u.exec(outcome.detail)?.[1] ?? outcome.reason ?? '?');
  }
  const cheatStatement = { header: '', formal_statement: 'theorem t : False := by sorry' };
  const cheatsCaught = {
    baseline: CHEATS.filter((c) => naiveRejects(c) !== null).length,
    proofline: CHEATS.filter((c) => lintInput({ id: 'cheat', ...cheatStatement, completion: c }, policy).kind === 'rejected').length,
  };
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));

  const baselineSide = {
    label: 'regex scan of the raw completion for banned words',
    figures: {
      throughput: summarize(perSecond(baseMs), 'candidates/s', true),
      throughput_per_cpu_second: summarize(perSecond(base.map((t) => t.cpuMs)), 'candidates/CPU-s', true),
      time_per_candidate: summarize(perCandidateUs(baseMs), 'µs', false),
    },
  };
  const ourSide = {
    label: `extractProof + assembleCandidate + lintCandidate (lintInput, policy ${policyId(policy)})`,
    figures: {
      throughput: summarize(perSecond(ourMs), 'candidates/s', true),
      throughput_per_cpu_second: summarize(perSecond(ours.map((t) => t.cpuMs)), 'candidates/CPU-s', true),
      time_per_candidate: summarize(perCandidateUs(ourMs), 'µs', false),
    },
  };
  const ourMedian = ourSide.figures.throughput.median;
  const ourCpuMedian = ourSide.figures.throughput_per_cpu_second.median;
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  const report: BenchReport = {
    name: 'lint',
    description:
      'L0+L1 (extraction, assembly, Lean-aware lexical gate) on one thread over real prover completions, against a naive regex scan of the raw text, in the same run on the same inputs.',
    command: `npm run bench -- lint${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
    parameters: { load_average_end: load, inputs: inputs.length, input_mib: Math.round((bytes / 2 ** 20) * 100) / 100, verified_inputs: verified, repeats, warmup_passes: 1, threads: 1, policy: policyId(policy), corpus: source },
    machine: describeMachine(),
    started_at: new Date().toISOString(),
    baseline: baselineSide,
    proofline: ourSide,
    ratio: ratios(baselineSide, ourSide),
    notes: [
      `Corpus: ${source}.`,
      `Target ≥ 10,000 candidates/s on one core: wall-clock median ${Math.round(ourMedian).toLocaleString('en-US')}/s (${ourMedian >= 10_000 ? 'met' : 'NOT met'}), per CPU-second ${Math.round(ourCpuMedian).toLocaleString('en-US')}/s (${ourCpuMedian >= 10_000 ? 'met' : 'NOT met'}), best wall-clock pass ${Math.round(ourSide.figures.throughput.max).toLocaleString('en-US')}/s. Load average at the end of the run: ${load.join(', ')} on ${availableParallelism()} cores (other jobs share this machine; CPU-time figures are less sensitive to that than wall-clock ones).`,
      `proofline latency per candidate: p50 ${pct(0.5)} µs, p95 ${pct(0.95)} µs, p99 ${pct(0.99)} µs, max ${pct(1)} µs.`,
      `False rejects on ${verified} publisher-verified proofs: baseline ${sum(naiveFalse)} (${JSON.stringify(sorted(naiveFalse))}), proofline ${sum(oursFalse)} (${JSON.stringify(sorted(oursFalse))}). native_decide is rejected by policy (it trusts compiled code), so those rows are expected rejections, not errors.`,
      ...byPolicy.map(
        (f) =>
          `False rejects under ${f.policy} over ${f.verified_completions} verified completions (rows, plus the bare candidate of rows whose completion is a full chain of thought): banned by policy on purpose ${JSON.stringify(f.banned_by_policy)}; other ${f.other.length}${f.other.length > 0 ? `: ${f.other.map((o) => `${o.origin} ${o.id} (${o.text}, ${o.layer} ${o.reason}: ${o.detail.slice(0, 160)})`).join('; ')}` : ''}.`,
      ),
      `Cheats caught (${CHEATS.length} in the corpus): baseline ${cheatsCaught.baseline}, proofline ${cheatsCaught.proofline}.`,
      `no_proof from extraction: ${oursNoProof.unverified} unverified rows (empty searches, prose-only answers), ${oursNoProof.verified} verified rows.`,
    ],
    details: {
      false_rejects_on_verified: { baseline: sorted(naiveFalse), proofline: sorted(oursFalse) },
      false_rejects_by_policy: byPolicy,
      cheats_caught: { of: CHEATS.length, ...cheatsCaught },
      proofline_latency_us: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: pct(1) },
      no_proof: oursNoProof,
    },
  };
  const paths = await writeBenchReport(join(ROOT, 'bench', 'results'), report);
  process.stdout.write(`${report.notes.join('\n')}\nwrote ${paths.json} and ${paths.markdown}\n`);
  return report;
}
