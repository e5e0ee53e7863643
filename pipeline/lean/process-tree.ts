import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
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

/**
 * Whether a failed /proc access means the process (or thread) is gone: ENOENT (no such pid any
 * more) or ESRCH (an open file whose process exited). Anything else — EMFILE, ENFILE, EACCES — is
 * a failure of the reader, never "gone": counting it as 0 MiB would let a tree escape its limit.
 */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
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
  const texts = await Promise.all(
    names.map((name) =>
      readFile(`/proc/${name}/stat`, 'utf8').catch((error: unknown) => {
        if (isGone(error)) return null; // The process exited between readdir and read.
        throw error;
      }),
    ),
  );
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
  /**
   * The `--cidfile` our container driver passed to the `docker|podman run` client at the root of
   * the tree (SandboxedCommand.containerIdFile): the container's memory, which no /proc member
   * shows, is added once per read. Never taken from a process's command line: a sandboxed process
   * could name a FIFO or /dev/zero there and block the checker's event loop on the read.
   */
  containerIdFile?: string | null;
  /** /proc files a reader keeps open at most (beyond: open, read, close each time); default 256. */
  maxOpenFiles?: number;
  /** Test hook: opens a /proc file read-only (default fs.openSync). */
  openFile?: (path: string) => number;
}

const DEFAULT_MAX_OPEN_FILES = 256;

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
    } catch (error) {
      if (isGone(error)) continue; // Gone (or never was).
      throw error;
    }
    seen.add(pid);
    for (const tid of tasks) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
      } catch (error) {
        if (isGone(error)) continue; // The thread ended.
        throw error;
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
 * plus, when `options.containerIdFile` names the cidfile of the container the root started (a
 * `docker|podman run` client: the container's processes are not its descendants, so only the
 * container's cgroup sees them), that container's memory. 0 when gone. Rejects when /proc cannot
 * be read for any reason other than the process being gone (EMFILE, ENFILE…).
 */
export async function readTreeRssMb(rootPid: number, options: TreeMemoryOptions = {}): Promise<number> {
  const reader = new TreeMemoryReader(rootPid, options);
  try {
    return await reader.readRssMb();
  } finally {
    reader.close();
  }
}

/** The /proc files a reader holds open, bounded by `max`; past it files are opened per read. */
interface FdBudget {
  open: number;
  readonly max: number;
  readonly openFile: (path: string) => number;
}

let openForTesting: ((path: string) => number) | undefined;

/** Test hook: how every reader without its own `openFile` opens /proc files (undefined: fs.openSync). */
export function setProcOpenForTesting(open: ((path: string) => number) | undefined): void {
  openForTesting = open;
}

function fdBudget(options: TreeMemoryOptions): FdBudget {
  const max = options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES;
  if (!Number.isInteger(max) || max < 0) throw new TypeError(`Expected \`maxOpenFiles\` to be a non-negative integer, got ${max}`);
  const openFile = options.openFile ?? ((path: string) => (openForTesting ?? ((p: string) => openSync(p, 'r')))(path));
  return { open: 0, max, openFile };
}

/**
 * One /proc file of a process, kept open while the budget allows (re-read in place: bound to the
 * process, not its number), else opened, read and closed on every read.
 */
class ProcFile {
  readonly #path: string;
  readonly #budget: FdBudget;
  #fd: number | null;

  private constructor(path: string, budget: FdBudget, fd: number | null) {
    this.#path = path;
    this.#budget = budget;
    this.#fd = fd;
  }

  /** The file, or null when its process is gone. Throws on any other open failure. */
  static open(path: string, budget: FdBudget): ProcFile | null {
    if (budget.open >= budget.max) return new ProcFile(path, budget, null);
    let fd: number;
    try {
      fd = budget.openFile(path);
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
    budget.open += 1;
    return new ProcFile(path, budget, fd);
  }

  /** The whole text, or null once its process is gone. Throws on any other failure. */
  read(buffer: Buffer): string | null {
    if (this.#fd !== null) return preadText(this.#fd, buffer);
    let fd: number;
    try {
      fd = this.#budget.openFile(this.#path);
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
    try {
      return preadText(fd, buffer);
    } finally {
      closeQuietly(fd);
    }
  }

  close(): void {
    if (this.#fd === null) return;
    closeQuietly(this.#fd);
    this.#fd = null;
    this.#budget.open -= 1;
  }
}

/**
 * `readTreeRssMb` for repeated samples of one tree (the memory watch, every 200 ms for a REPL's
 * whole life). /proc reads are slow to open (tens of µs each), so the reader keeps the files of the
 * tree's members open (at most `maxOpenFiles`, default 256; the rest are opened per read) and
 * re-reads them in place (a /proc read at offset 0 regenerates the file): per member one `task/`
 * listing (a new thread is seen at once), one read of each thread's `children` file, one of
 * `status`. An open /proc file is bound to its process, not its number: a member that died reads
 * as ENOENT/ESRCH and is dropped, so a reused pid is opened afresh. Any other failure (EMFILE,
 * ENFILE) rejects the read: it is never taken for a process that is gone. Files of pids that left
 * the tree are closed at the next sample; `close()` closes the rest. Without children files (old
 * kernels) each sample scans /proc instead.
 */
export class TreeMemoryReader {
  readonly #rootPid: number;
  readonly #options: TreeMemoryOptions;
  readonly #budget: FdBudget;
  readonly #members = new Map<number, TreeMember>();
  readonly #buffer = Buffer.allocUnsafe(16 * 1024);
  #isClosed = false;

  constructor(rootPid: number, options: TreeMemoryOptions = {}) {
    this.#rootPid = rootPid;
    this.#options = options;
    this.#budget = fdBudget(options);
  }

  /** /proc files held open now (at most `maxOpenFiles`). */
  get openFiles(): number {
    return this.#budget.open;
  }

  async readRssMb(): Promise<number> {
    if (this.#isClosed) return 0;
    if (!canListChildren()) return this.#readByScan();
    const seen = new Set<number>();
    const queue = [this.#rootPid];
    let kb = 0;
    while (queue.length > 0) {
      const pid = queue.shift()!;
      if (seen.has(pid)) continue;
      const found = this.#member(pid);
      if (found === null) continue; // Gone (or never was).
      const { member, status } = found;
      seen.add(pid);
      kb += statusFieldKb(status, 'VmRSS');
      for (const child of member.children(this.#buffer)) queue.push(child);
    }
    for (const [pid, member] of this.#members) {
      if (seen.has(pid)) continue;
      member.close();
      this.#members.delete(pid);
    }
    return kb / 1024 + this.#containerMb();
  }

  /** Closes every open /proc file; later reads give 0. Idempotent. */
  close(): void {
    this.#isClosed = true;
    for (const member of this.#members.values()) member.close();
    this.#members.clear();
  }

  #containerMb(): number {
    const cidFile = this.#options.containerIdFile;
    return cidFile == null ? 0 : readContainerMemoryMb(cidFile, 'current', this.#options);
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
    const opened = TreeMember.open(pid, this.#budget);
    if (opened === null) return null;
    let status: string | null;
    try {
      status = opened.readStatus(this.#buffer);
    } catch (error) {
      opened.close();
      throw error;
    }
    if (status === null) {
      opened.close();
      return null;
    }
    this.#members.set(pid, opened);
    return { member: opened, status };
  }

  async #readByScan(): Promise<number> {
    const pids = collectTree(await readStats(), [this.#rootPid]);
    let kb = 0;
    for (const pid of pids) kb += readStatusKb(pid, 'VmRSS');
    return kb / 1024 + this.#containerMb();
  }
}

/** One process of a watched tree with its /proc files: `status` and each thread's `children`. */
class TreeMember {
  readonly pid: number;
  readonly #budget: FdBudget;
  #status: ProcFile | null;
  readonly #children = new Map<string, ProcFile>();

  private constructor(pid: number, budget: FdBudget, status: ProcFile) {
    this.pid = pid;
    this.#budget = budget;
    this.#status = status;
  }

  /** Null when no process has `pid`; throws when its files cannot be opened (EMFILE…). */
  static open(pid: number, budget: FdBudget): TreeMember | null {
    const status = ProcFile.open(`/proc/${pid}/status`, budget);
    return status === null ? null : new TreeMember(pid, budget, status);
  }

  /** The status text, or null once the process the files were opened on is gone. */
  readStatus(buffer: Buffer): string | null {
    return this.#status === null ? null : this.#status.read(buffer);
  }

  /** The pids of the children of every thread; threads that ended are forgotten, new ones opened. */
  children(buffer: Buffer): number[] {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.pid}/task`);
    } catch (error) {
      if (isGone(error)) return [];
      throw error;
    }
    const current = new Set(tids);
    for (const [tid, file] of this.#children) {
      if (current.has(tid)) continue;
      file.close();
      this.#children.delete(tid);
    }
    const children: number[] = [];
    for (const tid of tids) {
      let file = this.#children.get(tid);
      if (file === undefined) {
        const opened = ProcFile.open(`/proc/${this.pid}/task/${tid}/children`, this.#budget);
        if (opened === null) continue; // The thread ended.
        file = opened;
        this.#children.set(tid, file);
      }
      const text = file.read(buffer);
      if (text === null) continue;
      for (const child of text.split(' ')) {
        const childPid = Number.parseInt(child, 10);
        if (Number.isInteger(childPid) && childPid > 0) children.push(childPid);
      }
    }
    return children;
  }

  close(): void {
    this.#status?.close();
    this.#status = null;
    for (const file of this.#children.values()) file.close();
    this.#children.clear();
  }
}

/**
 * The whole file re-read from offset 0 (a /proc file is regenerated), or null when its process is
 * gone (ESRCH/ENOENT). Other errors propagate.
 */
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
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
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
  } catch (error) {
    if (isGone(error)) return 0;
    throw error;
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
 * for a read after every REPL answer. Each pid's /proc status file is opened once (at most
 * `maxOpenFiles` of them; the rest per read) and re-read in place (a /proc read at offset 0
 * regenerates it): one syscall per pid per read. The open file is bound to the process, not to
 * its number: once the process is gone it reads as ESRCH (counted 0), never as a later process
 * that reused the pid. With `options.containerIdFile` (the cidfile our container driver chose) the
 * container's memory.peak is added. Throws on a /proc failure other than a gone process.
 */
export class PeakMemoryProbe {
  readonly #members: { pid: number; file: ProcFile | null }[];
  readonly #options: TreeMemoryOptions;
  readonly #budget: FdBudget;
  readonly #buffer = Buffer.allocUnsafe(16 * 1024);

  constructor(pids: readonly number[], options: TreeMemoryOptions = {}) {
    this.#options = options;
    this.#budget = fdBudget(options);
    this.#members = [];
    try {
      for (const pid of pids) this.#members.push({ pid, file: ProcFile.open(`/proc/${pid}/status`, this.#budget) });
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The summed peak in MiB. */
  readPeakMb(): number {
    let kb = 0;
    for (const member of this.#members) {
      // null: the process is gone; its exit is reported by the process layer.
      const status = member.file?.read(this.#buffer) ?? null;
      if (status !== null) kb += statusFieldKb(status, 'VmHWM');
    }
    const cidFile = this.#options.containerIdFile;
    return kb / 1024 + (cidFile == null ? 0 : readContainerMemoryMb(cidFile, 'peak', this.#options));
  }

  /** Closes the status files. Idempotent. */
  close(): void {
    for (const member of this.#members) {
      member.file?.close();
      member.file = null;
    }
  }
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
  const id = readContainerId(cidFile);
  if (id === null || !CONTAINER_ID.test(id)) return 0;
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
 * The id in a cidfile, or null when it is not there (yet) or not a regular file. Opened
 * non-blocking and without following a symlink, checked to be a regular file, read at most 128
 * bytes: the read can never block the event loop, whatever sits at the path (a FIFO, /dev/zero).
 */
function readContainerId(cidFile: string): string | null {
  let fd: number;
  try {
    fd = openSync(cidFile, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(128);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('latin1', 0, length).trim();
  } catch {
    return null;
  } finally {
    closeQuietly(fd);
  }
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
