import { readFileSync } from 'node:fs';

/**
 * Peak resident memory (VmHWM, which the kernel keeps per process) summed over known pids, in MiB.
 * Cheap — one small /proc read per pid, no scan of /proc — so it can run after every REPL answer
 * and catch a spike that a periodic sample would miss. Vanished pids count 0.
 */
export function readPeakRssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // Gone: its exit is reported by the process layer.
    }
  }
  return kb / 1024;
}
