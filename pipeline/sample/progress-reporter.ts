import cliProgress from 'cli-progress';
import type { SampleRunEvent } from './sample-run.ts';
import type { SamplingSummary } from './sampling-stats.ts';

export interface ProgressReporter {
  onEvent(event: SampleRunEvent): void;
  /** Stops the bar / prints the final progress line. */
  stop(): void;
}

interface Counters {
  total: number;
  done: number;
  written: number;
  failed: number;
  retries: number;
  tokens: number;
}

/**
 * A cli-progress bar on a TTY; otherwise JSON lines (`{"event":"progress",…}` at most once per
 * `intervalMs`, plus one line per retry and per failure) so logs stay machine-readable.
 */
export function createProgressReporter(stream: NodeJS.WritableStream, options: { isTTY: boolean; intervalMs?: number; now?: () => number }): ProgressReporter {
  const now = options.now ?? Date.now;
  const counters: Counters = { total: 0, done: 0, written: 0, failed: 0, retries: 0, tokens: 0 };
  const payload = (): Omit<Counters, 'total' | 'done'> => ({ written: counters.written, failed: counters.failed, retries: counters.retries, tokens: counters.tokens });
  const bar = options.isTTY
    ? new cliProgress.SingleBar({ stream, format: 'sampling |{bar}| {value}/{total} written {written} failed {failed} retries {retries} tokens {tokens} eta {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  let lastLineAt = Number.NEGATIVE_INFINITY;
  const line = (value: Record<string, unknown>): void => void stream.write(`${JSON.stringify(value)}\n`);
  const progressLine = (force: boolean): void => {
    if (bar !== null || (!force && now() - lastLineAt < (options.intervalMs ?? 1000))) return;
    lastLineAt = now();
    line({ event: 'progress', ...counters });
  };

  return {
    onEvent(event) {
      if (event.type === 'planned') {
        counters.total = event.total;
        counters.done = event.alreadyDone;
        bar?.start(event.total, event.alreadyDone, payload());
        progressLine(true);
        return;
      }
      if (event.type === 'retry') {
        counters.retries += 1;
        if (bar === null) line({ event: 'retry', problem_id: event.problemId, sample_index: event.sampleIndex, code: event.code, attempt: event.attempt, delay_ms: event.delayMs });
      } else if (event.type === 'failed') {
        counters.failed += 1;
        counters.done += 1;
        if (bar === null) line({ event: 'failed', problem_id: event.problemId, sample_index: event.sampleIndex, code: event.error.code, message: event.error.message });
      } else {
        counters.written += 1;
        counters.done += 1;
        if (!event.record.cached) counters.tokens += event.record.usage.input_tokens + event.record.usage.output_tokens;
      }
      bar?.update(counters.done, payload());
      progressLine(false);
    },
    stop() {
      bar?.stop();
      progressLine(true);
    },
  };
}

/** The end-of-run summary as a short human-readable block. */
export function formatSummary(summary: SamplingSummary): string {
  const failures = Object.entries(summary.failures).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  const retries = Object.entries(summary.retries_by_code).map(([code, n]) => `${code} ${n}`).join(', ');
  const cost = summary.estimated_cost_usd === null ? 'n/a (no sampler price configured)' : `$${summary.estimated_cost_usd.toFixed(4)}`;
  return [
    `samples    ${summary.written} written, ${summary.already_done} already in --out, ${summary.planned} planned`,
    `requests   ${summary.requests} sent, ${summary.retries} retries${retries ? ` (${retries})` : ''}, ${summary.cache_hits} from cache`,
    `tokens     ${summary.input_tokens} in, ${summary.output_tokens} out; estimated cost ${cost}`,
    `outcomes   ${summary.no_proof} without a Lean proof (no_proof), ${summary.truncated} truncated (max tokens)`,
    `failures   ${failures}`,
    `elapsed    ${(summary.elapsed_ms / 1000).toFixed(1)} s`,
  ].join('\n');
}
