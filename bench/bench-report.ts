import { mkdir, writeFile } from 'node:fs/promises';
import { arch, availableParallelism, cpus, platform, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

/**
 * The shape every benchmark writes: bench/results/<name>.json (machine, command and parameters,
 * baseline and proofline figures with min/median/max over repeats, ratios) and a short
 * bench/results/<name>.md. Absolute numbers on a shared machine are noisy; the ratio measured in
 * one run is what we compare over time.
 */

export interface Figure {
  unit: string;
  /** Whether a larger value is better (throughput) or worse (latency). */
  higher_is_better: boolean;
  min: number;
  median: number;
  max: number;
  samples: number[];
}

export interface Side {
  label: string;
  figures: Record<string, Figure>;
}

export interface MachineInfo {
  cores: number;
  memory_gib: number;
  cpu_model: string;
  node: string;
  os: string;
  arch: string;
}

export interface BenchReport {
  name: string;
  description: string;
  command: string;
  parameters: Record<string, unknown>;
  machine: MachineInfo;
  started_at: string;
  baseline: Side;
  proofline: Side;
  /** proofline median / baseline median, for every figure both sides have. */
  ratio: Record<string, number>;
  notes: string[];
  details: Record<string, unknown>;
}

/** `--name VALUE` from a benchmark's arguments: a positive number (an integer with `integer`), else `fallback` when absent. */
export function positiveFlag(args: readonly string[], name: string, fallback: number, options: { integer?: boolean } = {}): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  const valid = options.integer === true ? Number.isInteger(value) : Number.isFinite(value);
  if (!valid || value <= 0) throw new TypeError(`Expected --${name} to be a positive ${options.integer === true ? 'integer' : 'number'}, got ${args[index + 1]}`);
  return value;
}

export function describeMachine(): MachineInfo {
  return {
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${type()} ${release()} (${platform()})`,
    arch: arch(),
  };
}

export function summarize(samples: number[], unit: string, higherIsBetter: boolean): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { unit, higher_is_better: higherIsBetter, min: sorted[0] ?? Number.NaN, median, max: sorted[sorted.length - 1] ?? Number.NaN, samples };
}

export function ratios(baseline: Side, proofline: Side): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, figure] of Object.entries(proofline.figures)) {
    const base = baseline.figures[key];
    if (base !== undefined && base.median !== 0) out[key] = round(figure.median / base.median, 4);
  }
  return out;
}

/** `value` rounded to `digits` decimals (1 by default). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(round(value, Math.abs(value) >= 10 ? 1 : 3));
}

export function renderMarkdown(report: BenchReport): string {
  const rows = Object.entries(report.proofline.figures).map(([key, p]) => {
    const b = report.baseline.figures[key];
    const cell = (f: Figure | undefined) => (f === undefined ? '–' : `${formatNumber(f.median)} (${formatNumber(f.min)}–${formatNumber(f.max)})`);
    const ratio = report.ratio[key];
    return `| ${key} (${p.unit}) | ${cell(b)} | ${cell(p)} | ${ratio === undefined ? '–' : `${ratio}×`} |`;
  });
  const m = report.machine;
  return [
    `# Benchmark: ${report.name}`,
    '',
    report.description,
    '',
    `Command: \`${report.command}\` · ${report.started_at}`,
    `Machine: ${m.cores} cores, ${m.memory_gib} GiB, ${m.cpu_model}, Node ${m.node}, ${m.os}`,
    '',
    `| figure | baseline: ${report.baseline.label} — median (min–max) | proofline: ${report.proofline.label} — median (min–max) | ratio |`,
    '|---|---|---|---|',
    ...rows,
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export async function writeBenchReport(resultsDir: string, report: BenchReport): Promise<{ json: string; markdown: string }> {
  await mkdir(resultsDir, { recursive: true });
  const json = join(resultsDir, `${report.name}.json`);
  const markdown = join(resultsDir, `${report.name}.md`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  return { json, markdown };
}
