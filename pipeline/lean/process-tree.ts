import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/**
 * A Lean process and everything it started, seen through /proc. The tree is found by parent pid,
 * not by process group or session: bwrap `--new-session` and a `setsid()` inside both leave the
 * group, but a process cannot leave its parent while that parent lives.
 */
interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
}

/** `pid (comm) S ppid …` — comm may hold spaces and parentheses, so split after the last `)`. */
function parseStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  const pid = Number.parseInt(text, 10);
  const ppid = Number(fields[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return null;
  return { pid, ppid, state: fields[0] ?? '?' };
}

function isPidName(name: string): boolean {
  return name.length > 0 && name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57;
}

function readStatsSync(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!isPidName(name)) continue;
    try {
      const stat = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat !== null) stats.push(stat);
    } catch {
      // The process exited between readdir and read.
    }
  }
  return stats;
}

async function readStats(): Promise<ProcStat[]> {
  const names = (await readdir('/proc')).filter(isPidName);
  const texts = await Promise.all(names.map((name) => readFile(`/proc/${name}/stat`, 'utf8').catch(() => null)));
  return texts.flatMap((text) => {
    const stat = text === null ? null : parseStat(text);
    return stat === null ? [] : [stat];
  });
}

/** Live (non-zombie) processes whose ancestry reaches one of `roots`, roots included when alive. */
function collectTree(stats: readonly ProcStat[], roots: Iterable<number>): number[] {
  const children = new Map<number, number[]>();
  const alive = new Set<number>();
  for (const stat of stats) {
    if (stat.state !== 'Z' && stat.state !== 'X') alive.add(stat.pid);
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...seen].filter((pid) => alive.has(pid));
}

/** The live pids of the tree rooted at `rootPid` (root first when alive). Synchronous: used by kill(). */
export function listProcessTree(rootPid: number): number[] {
  return collectTree(readStatsSync(), [rootPid]);
}

/** Resident memory of the whole tree, in MiB (VmRSS summed; shared pages count once per process). 0 when gone. */
export async function readTreeRssMb(rootPid: number): Promise<number> {
  const pids = collectTree(await readStats(), [rootPid]);
  const rssKb = await Promise.all(pids.map((pid) => readRssKb(pid)));
  return rssKb.reduce((sum, kb) => sum + kb, 0) / 1024;
}

async function readRssKb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * SIGKILLs the process group `groupId` and every live descendant of `rootPid`. The tree is frozen
 * first (SIGSTOP, repeated until no new pid appears) so that nothing forks or is reparented away
 * between the scan and the kill. Synchronous and idempotent; returns the pids it signalled.
 */
export function killProcessTree(rootPid: number, groupId: number): number[] {
  signalGroup(groupId, 'SIGSTOP');
  const frozen = new Set<number>();
  for (let round = 0; round < 20; round += 1) {
    const fresh = collectTree(readStatsSync(), [rootPid, ...frozen]).filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signalPid(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  signalGroup(groupId, 'SIGKILL');
  for (const pid of frozen) signalPid(pid, 'SIGKILL');
  return [...frozen];
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  signalPid(-groupId, signal);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone. EPERM cannot happen for our own children.
  }
}
