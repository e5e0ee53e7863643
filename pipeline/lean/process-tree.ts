import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

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

export interface TreeMemoryOptions {
  /** Where cgroup v2 (or v1) is mounted; default /sys/fs/cgroup. */
  cgroupRoot?: string;
}

/**
 * Whether this kernel has /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN, on in every common
 * distribution kernel). With it a tree is listed from its root down, reading a few files per member,
 * instead of reading /proc/N/stat for every process on the machine.
 */
let hasChildrenFiles: boolean | undefined;
function canListChildren(): boolean {
  hasChildrenFiles ??= existsSync(`/proc/self/task/${process.pid}/children`);
  return hasChildrenFiles;
}

/** Test hook: force the whole-/proc scan (kernels without CONFIG_PROC_CHILDREN). */
export function setChildrenFilesForTesting(value: boolean | undefined): void {
  hasChildrenFiles = value;
}

/**
 * The pids of the tree rooted at `rootPid` (root first; zombies included: they hold no memory),
 * walked down through every thread's `children` file. A child forked by any thread is listed by
 * that thread; a grandchild whose parent died is re-parented to the nearest subreaper, which is
 * inside the tree under bwrap (its pid 1) and outside it otherwise, exactly as the ppid scan sees it.
 * Empty when the root is gone. Only for memory accounting: kill() uses the whole-/proc scan, which
 * also sees a process between fork and the children list update.
 */
function walkTree(rootPid: number): number[] {
  const seen = new Set<number>();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // Gone (or never was).
    }
    seen.add(pid);
    for (const tid of tasks) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
      } catch {
        continue; // The thread ended.
      }
      for (const child of text.split(' ')) {
        const childPid = Number.parseInt(child, 10);
        if (Number.isInteger(childPid) && childPid > 0) queue.push(childPid);
      }
    }
  }
  return [...seen];
}

/** The pids `readTreeRssMb` sums over: live members and zombies (which count 0). */
export async function treePids(rootPid: number): Promise<number[]> {
  return canListChildren() ? walkTree(rootPid) : collectTree(await readStats(), [rootPid]);
}

/**
 * Resident memory of the whole tree, in MiB (VmRSS summed; shared pages count once per process),
 * plus the memory of every container a member of the tree started (a `docker|podman run --cidfile`
 * client: the container's processes are not its descendants, so only the container's cgroup sees
 * them). 0 when gone.
 */
export async function readTreeRssMb(rootPid: number, options: TreeMemoryOptions = {}): Promise<number> {
  const reader = new TreeMemoryReader(rootPid, options);
  try {
    return await reader.readRssMb();
  } finally {
    reader.close();
  }
}

/**
 * `readTreeRssMb` for repeated samples of one tree (the memory watch, every 200 ms for a REPL's
 * whole life). /proc reads are slow to open (tens of µs each), so the reader keeps the files of the
 * tree's members open and re-reads them in place (a /proc read at offset 0 regenerates the file):
 * per member one `task/` listing (a new thread is seen at once), one read of each thread's
 * `children` file, one of `status`. A member's container client `--cidfile` is read from its
 * command line once, when it joins. An open /proc file is bound to its process, not its number: a
 * member that died reads as an error and is dropped, so a reused pid is opened afresh. Files of pids
 * that left the tree are closed at the next sample; `close()` closes the rest. Without children
 * files (old kernels) each sample scans /proc instead.
 */
export class TreeMemoryReader {
  readonly #rootPid: number;
  readonly #options: TreeMemoryOptions;
  readonly #members = new Map<number, TreeMember>();
  readonly #buffer = Buffer.allocUnsafe(16 * 1024);
  #isClosed = false;

  constructor(rootPid: number, options: TreeMemoryOptions = {}) {
    this.#rootPid = rootPid;
    this.#options = options;
  }

  async readRssMb(): Promise<number> {
    if (this.#isClosed) return 0;
    if (!canListChildren()) return this.#readByScan();
    const seen = new Set<number>();
    const queue = [this.#rootPid];
    let kb = 0;
    let containerMb = 0;
    while (queue.length > 0) {
      const pid = queue.shift()!;
      if (seen.has(pid)) continue;
      const found = this.#member(pid);
      if (found === null) continue; // Gone (or never was).
      const { member, status } = found;
      seen.add(pid);
      kb += statusFieldKb(status, 'VmRSS');
      for (const child of member.children(this.#buffer)) queue.push(child);
      if (member.cidFile !== null) containerMb += readContainerMemoryMb(member.cidFile, 'current', this.#options);
    }
    for (const [pid, member] of this.#members) {
      if (seen.has(pid)) continue;
      member.close();
      this.#members.delete(pid);
    }
    return kb / 1024 + containerMb;
  }

  /** Closes every open /proc file; later reads give 0. Idempotent. */
  close(): void {
    this.#isClosed = true;
    for (const member of this.#members.values()) member.close();
    this.#members.clear();
  }

  /**
   * The open member for `pid` and its current status text, reopened when its files belong to a
   * process that is gone (the pid may be someone else's now); null when no process has the pid.
   */
  #member(pid: number): { member: TreeMember; status: string } | null {
    const known = this.#members.get(pid);
    if (known !== undefined) {
      const status = known.readStatus(this.#buffer);
      if (status !== null) return { member: known, status };
      known.close();
      this.#members.delete(pid);
    }
    const opened = TreeMember.open(pid);
    if (opened === null) return null;
    const status = opened.readStatus(this.#buffer);
    if (status === null) {
      opened.close();
      return null;
    }
    this.#members.set(pid, opened);
    return { member: opened, status };
  }

  async #readByScan(): Promise<number> {
    const pids = collectTree(await readStats(), [this.#rootPid]);
    let containerMb = 0;
    let kb = 0;
    for (const pid of pids) {
      kb += readStatusKb(pid, 'VmRSS');
      const cidFile = cidFileOfPid(pid);
      if (cidFile !== null) containerMb += readContainerMemoryMb(cidFile, 'current', this.#options);
    }
    return kb / 1024 + containerMb;
  }
}

/** One process of a watched tree with its /proc files open: `status` and each thread's `children`. */
class TreeMember {
  readonly pid: number;
  readonly cidFile: string | null;
  #statusFd: number | null;
  readonly #childrenFds = new Map<string, number>();

  private constructor(pid: number, statusFd: number, cidFile: string | null) {
    this.pid = pid;
    this.#statusFd = statusFd;
    this.cidFile = cidFile;
  }

  static open(pid: number): TreeMember | null {
    let fd: number;
    try {
      fd = openSync(`/proc/${pid}/status`, 'r');
    } catch {
      return null;
    }
    return new TreeMember(pid, fd, cidFileOfPid(pid));
  }

  /** The status text, or null once the process the files were opened on is gone. */
  readStatus(buffer: Buffer): string | null {
    return this.#statusFd === null ? null : preadText(this.#statusFd, buffer);
  }

  /** The pids of the children of every thread; threads that ended are forgotten, new ones opened. */
  children(buffer: Buffer): number[] {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.pid}/task`);
    } catch {
      return [];
    }
    const current = new Set(tids);
    for (const [tid, fd] of this.#childrenFds) {
      if (current.has(tid)) continue;
      closeQuietly(fd);
      this.#childrenFds.delete(tid);
    }
    const children: number[] = [];
    for (const tid of tids) {
      let fd = this.#childrenFds.get(tid);
      if (fd === undefined) {
        try {
          fd = openSync(`/proc/${this.pid}/task/${tid}/children`, 'r');
        } catch {
          continue; // The thread ended.
        }
        this.#childrenFds.set(tid, fd);
      }
      const text = preadText(fd, buffer);
      if (text === null) continue;
      for (const child of text.split(' ')) {
        const childPid = Number.parseInt(child, 10);
        if (Number.isInteger(childPid) && childPid > 0) children.push(childPid);
      }
    }
    return children;
  }

  close(): void {
    if (this.#statusFd !== null) closeQuietly(this.#statusFd);
    this.#statusFd = null;
    for (const fd of this.#childrenFds.values()) closeQuietly(fd);
    this.#childrenFds.clear();
  }
}

/** The whole file re-read from offset 0 (a /proc file is regenerated), or null when its process is gone. */
function preadText(fd: number, buffer: Buffer): string | null {
  try {
    let length = readSync(fd, buffer, 0, buffer.length, 0);
    // `children` of a thread with very many children can exceed one buffer: read on.
    if (length === buffer.length) {
      const parts = [buffer.toString('latin1', 0, length)];
      for (let chunk = length; chunk > 0; length += chunk) {
        chunk = readSync(fd, buffer, 0, buffer.length, length);
        parts.push(buffer.toString('latin1', 0, chunk));
      }
      return parts.join('');
    }
    return buffer.toString('latin1', 0, length);
  } catch {
    return null;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

/** A field (`VmRSS`, `VmHWM`) of /proc/PID/status in kB; 0 when gone or absent (a zombie has none). */
function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return statusFieldKb(readFileSync(`/proc/${pid}/status`, 'latin1'), field);
  } catch {
    return 0;
  }
}

function statusFieldKb(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const at = status.indexOf(`\n${field}:`);
  if (at < 0) return 0;
  const kb = Number.parseInt(status.slice(at + field.length + 2, status.indexOf('\n', at + 1)).trim(), 10);
  return Number.isInteger(kb) ? kb : 0;
}

/**
 * Peak resident memory (VmHWM, which the kernel keeps per process) of a fixed set of pids, in MiB,
 * for a read after every REPL answer. Each pid's /proc status file is opened once and re-read in
 * place (a /proc read at offset 0 regenerates it): one syscall per pid per read. The open file is
 * bound to the process, not to its number: once the process is gone it reads as an error (counted
 * 0), never as a later process that reused the pid. A pid that is a `docker|podman run --cidfile`
 * client adds its container's memory.peak (its command line is read once, at open).
 */
export class PeakMemoryProbe {
  readonly #members: { pid: number; fd: number | null; cidFile: string | null }[];
  readonly #options: TreeMemoryOptions;
  readonly #buffer = Buffer.allocUnsafe(16 * 1024);

  constructor(pids: readonly number[], options: TreeMemoryOptions = {}) {
    this.#options = options;
    this.#members = pids.map((pid) => {
      let fd: number | null = null;
      try {
        fd = openSync(`/proc/${pid}/status`, 'r');
      } catch {
        // Already gone: counts 0.
      }
      return { pid, fd, cidFile: fd === null ? null : cidFileOfPid(pid) };
    });
  }

  /** The summed peak in MiB. */
  readPeakMb(): number {
    let kb = 0;
    let containerMb = 0;
    for (const member of this.#members) {
      if (member.cidFile !== null) containerMb += readContainerMemoryMb(member.cidFile, 'peak', this.#options);
      if (member.fd === null) continue;
      try {
        const length = readSync(member.fd, this.#buffer, 0, this.#buffer.length, 0);
        kb += statusFieldKb(this.#buffer.toString('latin1', 0, length), 'VmHWM');
      } catch {
        // ESRCH: the process is gone; its exit is reported by the process layer.
      }
    }
    return kb / 1024 + containerMb;
  }

  /** Closes the status files. Idempotent. */
  close(): void {
    for (const member of this.#members) {
      if (member.fd === null) continue;
      try {
        closeSync(member.fd);
      } catch {
        // Already closed.
      }
      member.fd = null;
    }
  }
}

function cidFileOfPid(pid: number): string | null {
  try {
    return cidFileOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
  } catch {
    return null;
  }
}

/**
 * The container memory (MiB) charged to a `docker|podman run --cidfile FILE` client `pid`, or 0
 * when `pid` is not such a client, its container has not started yet, or is gone.
 */
export function containerMemoryOfPid(pid: number, which: 'current' | 'peak', options: TreeMemoryOptions = {}): number {
  const cidFile = cidFileOfPid(pid);
  return cidFile === null ? 0 : readContainerMemoryMb(cidFile, which, options);
}

/** The `--cidfile` of a container engine's `run` command line, or null. */
export function cidFileOf(argv: readonly string[]): string | null {
  if (!argv.includes('run')) return null;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--cidfile') return argv[i + 1] ?? null;
    if (arg.startsWith('--cidfile=')) return arg.slice('--cidfile='.length);
  }
  return null;
}

const CONTAINER_ID = /^[0-9a-f]{12,64}$/;
const cgroupDirs = new Map<string, { dir: string; version: 1 | 2 }>();

/**
 * Memory of the container whose id the engine wrote to `cidFile`, in MiB, read from its cgroup:
 * `current` is what `docker stats` shows (memory.current minus inactive page cache, which the
 * kernel reclaims before it would OOM-kill), `peak` is memory.peak (kernel ≥ 5.19; else the
 * current usage). 0 when the file or the cgroup is not there (yet, or any more).
 */
export function readContainerMemoryMb(cidFile: string, which: 'current' | 'peak', options: TreeMemoryOptions = {}): number {
  const root = options.cgroupRoot ?? '/sys/fs/cgroup';
  let id: string;
  try {
    id = readFileSync(cidFile, 'utf8').trim();
  } catch {
    return 0;
  }
  if (!CONTAINER_ID.test(id)) return 0;
  const cgroup = findContainerCgroup(root, id);
  if (cgroup === null) return 0;
  const read = (name: string): number | null => {
    try {
      const value = Number(readFileSync(join(cgroup.dir, name), 'utf8').trim());
      return Number.isFinite(value) ? value : null;
    } catch {
      return null;
    }
  };
  const statValue = (key: string): number => {
    try {
      const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(join(cgroup.dir, 'memory.stat'), 'utf8'));
      return match ? Number(match[1]) : 0;
    } catch {
      return 0;
    }
  };
  const bytes =
    cgroup.version === 2
      ? which === 'peak'
        ? (read('memory.peak') ?? read('memory.current') ?? 0)
        : Math.max(0, (read('memory.current') ?? 0) - statValue('inactive_file'))
      : which === 'peak'
        ? (read('memory.max_usage_in_bytes') ?? read('memory.usage_in_bytes') ?? 0)
        : Math.max(0, (read('memory.usage_in_bytes') ?? 0) - statValue('total_inactive_file'));
  return bytes / (1024 * 1024);
}

/**
 * The container's cgroup directory: the layouts of docker (systemd and cgroupfs drivers) and
 * podman (root), else a bounded search of the hierarchy for a directory named after the id
 * (rootless podman nests it under the user's slice). Found directories are remembered.
 */
function findContainerCgroup(root: string, id: string): { dir: string; version: 1 | 2 } | null {
  const cached = cgroupDirs.get(`${root}\0${id}`);
  if (cached !== undefined && existsSync(cached.dir)) return cached;
  const v2 = [`system.slice/docker-${id}.scope`, `docker/${id}`, `machine.slice/libpod-${id}.scope/container`, `machine.slice/libpod-${id}.scope`];
  const v1 = [`memory/docker/${id}`, `memory/system.slice/docker-${id}.scope`, `memory/machine.slice/libpod-${id}.scope`];
  let found: { dir: string; version: 1 | 2 } | null = null;
  for (const relative of v2) if (found === null && existsSync(join(root, relative, 'memory.current'))) found = { dir: join(root, relative), version: 2 };
  for (const relative of v1) if (found === null && existsSync(join(root, relative, 'memory.usage_in_bytes'))) found = { dir: join(root, relative), version: 1 };
  found ??= searchCgroup(root, id);
  if (found !== null) cgroupDirs.set(`${root}\0${id}`, found);
  return found;
}

function searchCgroup(root: string, id: string): { dir: string; version: 1 | 2 } | null {
  let level = [root];
  for (let depth = 0; depth < 8 && level.length > 0; depth += 1) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: string[];
      try {
        entries = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      } catch {
        continue;
      }
      for (const name of entries) {
        const path = join(dir, name);
        if (name.includes(id)) {
          const inner = existsSync(join(path, 'container', 'memory.current')) ? join(path, 'container') : path;
          if (existsSync(join(inner, 'memory.current'))) return { dir: inner, version: 2 };
          if (existsSync(join(inner, 'memory.usage_in_bytes'))) return { dir: inner, version: 1 };
        }
        next.push(path);
      }
    }
    level = next;
  }
  return null;
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
