import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { LocalRunEvent } from '../../pipeline/build/local-run.ts';

export interface BuildProgress {
  onEvent(event: LocalRunEvent): void;
  stop(): void;
  /** Counts so far, for the summary. */
  readonly counts: BuildCounts;
}

export interface BuildCounts {
  planned: number;
  alreadyDone: number;
  sampled: number;
  sampledFromCache: number;
  sampleFailures: Record<string, number>;
  checked: number;
  accepted: number;
  checkErrors: Record<string, number>;
}

/**
 * Per-stage progress: bars (done/total, rate, ETA, accepted so far) on a TTY, else one JSON line
 * on stderr every `intervalMs` — a nightly job's log stays readable and machine-parsable.
 */
export function createBuildProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, options: { intervalMs?: number } = {}): BuildProgress {
  const counts: BuildCounts = { planned: 0, alreadyDone: 0, sampled: 0, sampledFromCache: 0, sampleFailures: {}, checked: 0, accepted: 0, checkErrors: {} };
  const started = performance.now();
  let bars: { multi: MultiBar; sample: SingleBar; check: SingleBar } | null = null;
  let lastLine = performance.now();
  const intervalMs = options.intervalMs ?? 10_000;
  const line = (): void => {
    const seconds = (performance.now() - started) / 1000;
    stream.write(`${JSON.stringify({ progress: { ...counts, checks_per_s: Math.round((counts.checked / Math.max(seconds, 0.001)) * 10) / 10, elapsed_s: Math.round(seconds) } })}\n`);
  };
  return {
    counts,
    onEvent(event) {
      switch (event.type) {
        case 'planned':
          counts.planned = event.candidates;
          counts.alreadyDone = event.done;
          if (stream.isTTY === true) {
            const multi = new MultiBar({ stream: stream as NodeJS.WriteStream, format: '{stage} {bar} {value}/{total} | {rate}/s | ETA {eta_formatted} | {note}', clearOnComplete: false, hideCursor: true }, Presets.shades_classic);
            const todo = event.candidates - event.done;
            bars = { multi, sample: multi.create(todo, 0, { stage: 'sample', rate: 0, note: '' }), check: multi.create(todo, 0, { stage: 'check ', rate: 0, note: 'accepted 0' }) };
          }
          break;
        case 'sampled':
          counts.sampled += 1;
          if (event.cached) counts.sampledFromCache += 1;
          bars?.sample.increment(1, { rate: rate(counts.sampled, started), note: `cached ${counts.sampledFromCache}` });
          break;
        case 'sample_failed':
          counts.sampleFailures[event.error.code] = (counts.sampleFailures[event.error.code] ?? 0) + 1;
          break;
        case 'checked':
          counts.checked += 1;
          if (event.verdict.kind === 'accepted') counts.accepted += 1;
          bars?.check.increment(1, { rate: rate(counts.checked, started), note: `accepted ${counts.accepted}` });
          break;
        case 'check_failed':
          counts.checkErrors[event.error.code] = (counts.checkErrors[event.error.code] ?? 0) + 1;
          bars?.check.increment(1, { rate: rate(counts.checked, started), note: `accepted ${counts.accepted}, errors ${Object.values(counts.checkErrors).reduce((a, b) => a + b, 0)}` });
          break;
      }
      if (bars === null && performance.now() - lastLine >= intervalMs) {
        lastLine = performance.now();
        line();
      }
    },
    stop() {
      if (bars !== null) bars.multi.stop();
      else line();
    },
  };
}

function rate(done: number, started: number): number {
  return Math.round((done / Math.max((performance.now() - started) / 1000, 0.001)) * 10) / 10;
}
