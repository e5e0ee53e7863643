import { readFileSync } from 'node:fs';
import { containerMemoryOfPid, type TreeMemoryOptions } from './process-tree.ts';

/**
 * Peak resident memory (VmHWM, which the kernel keeps per process) summed over known pids, in MiB.
 * Cheap — one small /proc read per pid, no scan of /proc — so it can run after every REPL answer
 * and catch a spike that a periodic sample would miss. Vanished pids count 0. A pid that is a
 * `docker|podman run --cidfile` client adds its container's memory.peak (the container's processes
 * are not in the pid list: only their cgroup sees them).
 */
export function readPeakRssMb(pids: readonly number[], options: TreeMemoryOptions = {}): number {
  let containerMb = 0;
  for (const pid of pids) containerMb += containerMemoryOfPid(pid, 'peak', options);
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // Gone: its exit is reported by the process layer.
    }
  }
  return kb / 1024 + containerMb;
}
