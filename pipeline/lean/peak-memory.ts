import { PeakMemoryProbe, type TreeMemoryOptions } from './process-tree.ts';

/**
 * Peak resident memory (VmHWM, which the kernel keeps per process) summed over known pids, in MiB.
 * Cheap — one small /proc read per pid, no scan of /proc — so it can run after every REPL answer
 * and catch a spike that a periodic sample would miss. Vanished pids count 0; any other /proc
 * failure throws. With `options.containerIdFile` (the cidfile our container driver chose, never one
 * read from a command line) the container's memory.peak is added (its processes are not in the pid
 * list: only their cgroup sees them). For repeated reads of the same pids, keep a
 * `PeakMemoryProbe` open instead (one syscall per pid per read).
 */
export function readPeakRssMb(pids: readonly number[], options: TreeMemoryOptions = {}): number {
  const probe = new PeakMemoryProbe(pids, options);
  try {
    return probe.readPeakMb();
  } finally {
    probe.close();
  }
}
