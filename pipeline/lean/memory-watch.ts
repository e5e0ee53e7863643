export interface MemoryWatchOptions {
  /** Resident memory of the whole process tree above which `onExceeded` fires (once). */
  limitMb: number;
  /** Time between two samples; default 200. A sample starts only after the previous one finished. */
  pollMs?: number;
  /** Called once, with the sample that crossed the limit. The watch stops itself first. */
  onExceeded: (rssMb: number) => void;
  /** Called with every sample (peak tracking, metrics). */
  onSample?: (rssMb: number) => void;
  /**
   * Called once when a sample fails (EMFILE, ENFILE, an unreadable /proc): the watch stops itself
   * first. The memory of the tree is then unknown, so the caller must kill it and report an
   * infrastructure error — never a memory-limit verdict, never take it for 0 MiB.
   */
  onFailure: (error: unknown) => void;
}

/** What the watch samples: a LeanProcess fits. */
export interface MemorySampled {
  rssMb(): Promise<number>;
}

/**
 * Polls a process tree's RSS and reports the first sample above the limit. Usable by one-shot runs
 * and by long-lived REPL sessions; returns `stop`, idempotent. The timer is unref'ed: a watch never
 * keeps the event loop alive on its own. The caller decides what exceeding means (kill, recycle).
 */
export function startMemoryWatch(target: MemorySampled, options: MemoryWatchOptions): () => void {
  const pollMs = options.pollMs ?? 200;
  if (!(options.limitMb > 0)) throw new TypeError(`Expected \`limitMb\` to be a positive number, got ${options.limitMb}`);
  if (!(pollMs > 0)) throw new TypeError(`Expected \`pollMs\` to be a positive number, got ${pollMs}`);
  let isStopped = false;
  let timer: NodeJS.Timeout | null = null;

  const sample = async (): Promise<void> => {
    timer = null;
    let rssMb: number;
    try {
      // A process that is gone reads 0 (the reader says so); a failed read is not a gone process.
      rssMb = await target.rssMb();
    } catch (error) {
      if (isStopped) return;
      stop();
      options.onFailure(error);
      return;
    }
    if (isStopped) return;
    options.onSample?.(rssMb);
    if (rssMb > options.limitMb) {
      stop();
      options.onExceeded(rssMb);
      return;
    }
    schedule();
  };
  const schedule = (): void => {
    timer = setTimeout(() => void sample(), pollMs);
    timer.unref();
  };
  const stop = (): void => {
    isStopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  void sample();
  return stop;
}
