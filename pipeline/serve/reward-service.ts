import { hash } from 'node:crypto';
import type { Logger } from 'pino';
import { ProoflineError } from '../errors.ts';
import type { CheckRequest, ProofChecker } from '../lean/proof-checker.ts';
import { STATEMENT_SORRY_SUFFIX } from '../schemas/problem.ts';
import type { Verdict } from '../schemas/verdict.ts';
import { FairScheduler, type ScheduledTask } from './fair-scheduler.ts';
import { hasRequiredFormat, resultFromError, resultFromVerdict, resultWithoutVerdict } from './item-result.ts';
import type { ProblemRegistry } from './problem-registry.ts';
import type { ItemResult, RewardService, VerifyItem, VerifyOptions } from './reward-contract.ts';
import type { ServeConfig } from './serve-config.ts';
import { createServeMetrics, type ServeMetrics } from './serve-metrics.ts';
import { ServeError } from './serve-error.ts';

export interface CheckerRewardServiceDeps {
  checker: ProofChecker;
  registry: ProblemRegistry;
  versions: RewardService['versions'];
  /** Checks handed to the checker at once (2 × lean.pool.size unless serve.queue.concurrency says otherwise). */
  concurrency: number;
  /** Verdicts the service remembers by exact text (lean.cache.max_entries; 0 when the cache is off). */
  maxRememberedVerdicts: number;
  /**
   * Everything besides the item that the checker's verdict depends on (checker version, toolchain,
   * policy digest, budget, L3/L4 settings), as one canonical string (`verdictContext()`): part of
   * every remembered verdict's key, so a key can never match a verdict of other settings.
   */
  verdictContext: string;
  logger?: Logger | undefined;
}

/** The reward service over a ProofChecker, plus what the app needs to run it. */
export interface CheckerRewardService extends RewardService {
  readonly metrics: ServeMetrics;
  readonly scheduler: FairScheduler;
  readonly readiness: { isReady: boolean; detail: string };
  readonly isDraining: boolean;
  /** Problems in the registry. */
  readonly problemCount: number;
  /** Items of admitted requests waiting for a check now (bounded by queue.max_waiting_items). */
  readonly waitingItems: number;
  /** UTF-8 bytes of those items' own text (bounded by queue.max_waiting_bytes). */
  readonly waitingBytes: number;
  /** One check through the checker (the pool imports `header`); /readyz is ready once it returns a verdict. */
  warmUp(header: string): Promise<void>;
  /** Stops admitting; requests still waiting after `drainTimeoutMs` get deadline_exceeded. Resolves when none is left. */
  shutdown(drainTimeoutMs: number): Promise<void>;
}

type Outcome = { kind: 'verdict'; verdict: Verdict } | { kind: 'error'; error: ProoflineError };

interface Job extends ScheduledTask {
  key: string;
  request: CheckRequest;
  state: 'queued' | 'running' | 'done';
  waiters: number;
  deadlineAtMs: number;
  done: Promise<Outcome>;
}

interface ActiveRequest {
  expired: Promise<'expired'>;
  expireAt(atMs: number): void;
  finished: Promise<void>;
}

type Format = { isRequired: boolean; isOk: boolean };
type Resolved = { kind: 'answered'; result: ItemResult } | { kind: 'check'; id: string; key: string; request: CheckRequest; format: Format };

/**
 * A remembered verdict and the finished results built from it, one per format-gate outcome
 * (not required, required and met, required and missed), with an empty id: a repeated item is
 * answered by copying one and setting its id, with no extraction, lint, assembly or feedback text.
 */
interface Remembered {
  verdict: Verdict;
  results: [ItemResult | undefined, ItemResult | undefined, ItemResult | undefined];
}

const EXPIRED = 'expired' as const;

/**
 * `RewardService` over a ProofChecker. Items are resolved (registry or inline statement), exact
 * duplicates within and across requests share one job, jobs wait in the FairScheduler (per-client
 * round-robin, bounded), and every item is answered by the request's deadline: a verdict, an
 * infrastructure error (after retries that fit the deadline), or deadline_exceeded.
 */
export function createCheckerRewardService(config: ServeConfig, deps: CheckerRewardServiceDeps): CheckerRewardService {
  const scheduler = new FairScheduler({ concurrency: deps.concurrency, maxQueued: config.queue.max_queued, maxQueuedPerClient: config.queue.max_queued_per_client });
  const metrics = createServeMetrics({
    queued: () => scheduler.queued,
    running: () => scheduler.running,
    concurrency: () => scheduler.limits.concurrency,
    leanInvocations: () => deps.checker.stats.leanInvocations,
    waitingItems: () => waitingItems,
    waitingBytes: () => waitingBytes,
  });
  const inFlight = new Map<string, Job>();
  /**
   * Verdicts (and the results made from them) by sha256 of the verdict context and the exact
   * (header, statement, completion): a repeat is answered without a slot, a timer or the
   * checker's extraction. Errors are never remembered. LRU-bounded by lean.cache.max_entries.
   */
  const remembered = new Map<string, Remembered>();
  // The context's own digest (43 characters), so every key hashes a short fixed prefix instead of the whole context.
  const keyPrefix = `${hash('sha256', deps.verdictContext, 'base64url')}:`;
  /**
   * Items waiting for a check (new or joined) and the UTF-8 bytes of their own text, over all
   * clients and per client: bounded like the queue (queue.max_waiting_items, max_waiting_bytes).
   */
  let waitingItems = 0;
  let waitingBytes = 0;
  const waitingPerClient = new Map<string, { items: number; bytes: number }>();
  const maxWaitingBytes = config.queue.max_waiting_bytes;
  const maxWaitingBytesPerClient = config.queue.max_waiting_bytes_per_client;
  const active = new Set<ActiveRequest>();
  const readiness = { isReady: false, detail: 'warming up: no check has gone through the checker yet' };
  let isDraining = false;

  function resolveItem(item: VerifyItem, requireFormat: boolean): Resolved {
    let header: string;
    let statement: string;
    if (item.problem_id !== undefined) {
      const problem = deps.registry.get(item.problem_id);
      if (problem === undefined) return answered(resultWithoutVerdict(item.id, 'unknown_problem', `No problem \`${truncate(item.problem_id)}\` in the registry (${deps.registry.size} problems loaded)`));
      ({ header, formal_statement: statement } = problem);
    } else if (item.formal_statement !== undefined) {
      header = item.header ?? '';
      // Kimina-style statements end in `:= by`; ours end in `:= by sorry` (the sorry marks where the proof goes).
      statement = /:=\s*by\s*$/u.test(item.formal_statement) ? `${item.formal_statement.trimEnd()} sorry` : item.formal_statement;
      if (!STATEMENT_SORRY_SUFFIX.test(statement)) return answered(resultWithoutVerdict(item.id, 'unknown_problem', 'Expected formal_statement to end in `:= by sorry` (or `:= by`), got a statement without that ending'));
    } else {
      return answered(resultWithoutVerdict(item.id, 'unknown_problem', 'Expected problem_id or formal_statement, got neither'));
    }
    // `proof` is used as Lean code as it stands: fencing it keeps extraction from reading it as prose.
    const completion = item.completion ?? (item.proof === undefined ? '' : `\`\`\`lean4\n${item.proof}\n\`\`\``);
    const isFormatRequired = requireFormat && item.completion !== undefined;
    return {
      kind: 'check',
      id: item.id,
      // Length-prefixed, so no two different triples concatenate to the same text; hashed as UTF-8,
      // which is one-to-one only on well-formed text (assertWellFormed refused the rest).
      key: hash('sha256', `${keyPrefix}${header.length}:${header}${statement.length}:${statement}${completion.length}:${completion}`, 'base64url'),
      request: { header, formal_statement: statement, completion },
      format: { isRequired: isFormatRequired, isOk: isFormatRequired && hasRequiredFormat(completion) },
    };
  }

  function startJob(key: string, request: CheckRequest, clientId: string, deadlineAtMs: number): Job {
    let settle!: (outcome: Outcome) => void;
    const job: Job = {
      key, request, clientId, deadlineAtMs, state: 'queued', waiters: 0, isCancelled: false,
      done: new Promise<Outcome>((resolve) => (settle = resolve)),
      run: async () => {
        job.state = 'running';
        const stopTimer = metrics.checkDuration.startTimer();
        try {
          const outcome = await checkWithRetries(job);
          if (outcome.kind === 'verdict') rememberVerdict(key, outcome.verdict);
          settle(outcome);
        } finally {
          stopTimer();
          job.state = 'done';
          if (inFlight.get(key) === job) inFlight.delete(key);
        }
      },
    };
    inFlight.set(key, job);
    scheduler.enqueue(job);
    return job;
  }

  function rememberVerdict(key: string, verdict: Verdict): void {
    remembered.delete(key);
    remembered.set(key, { verdict, results: [undefined, undefined, undefined] });
    if (remembered.size > deps.maxRememberedVerdicts) remembered.delete(remembered.keys().next().value as string);
  }

  /** The finished result for a remembered verdict (built once per format outcome), with `id`. */
  function rememberedResult(entry: Remembered, id: string, format: Format): ItemResult {
    const slot = format.isRequired ? (format.isOk ? 1 : 2) : 0;
    const template = (entry.results[slot] ??= resultFromVerdict('', entry.verdict, format, true));
    return { ...template, id };
  }

  function waitingFor(clientId: string): { items: number; bytes: number } {
    return waitingPerClient.get(clientId) ?? NOTHING_WAITING;
  }

  function addWaiting(clientId: string, items: number, bytes: number): void {
    waitingItems += items;
    waitingBytes += bytes;
    const now = waitingFor(clientId);
    const next = { items: now.items + items, bytes: now.bytes + bytes };
    if (next.items === 0) waitingPerClient.delete(clientId);
    else waitingPerClient.set(clientId, next);
  }

  async function checkWithRetries(job: Job): Promise<Outcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { kind: 'verdict', verdict: await deps.checker.check(job.request) };
      } catch (caught) {
        const error = caught instanceof ProoflineError ? caught : new ProoflineError('CHECKER_INTERNAL', `Unexpected failure in the reward service's check: ${(caught as Error)?.message ?? String(caught)}`, { cause: caught });
        const backoffMs = 250 * attempt;
        const canRetry = error.retryable && attempt < config.queue.max_attempts && job.waiters > 0 && !isDraining && Date.now() + backoffMs < job.deadlineAtMs;
        deps.logger?.warn({ code: error.code, retryable: error.retryable, attempt, willRetry: canRetry, err: error }, 'check failed for infrastructure reasons');
        if (!canRetry) return { kind: 'error', error };
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  async function waitForCheck(item: Extract<Resolved, { kind: 'check' }>, options: VerifyOptions, request: ActiveRequest): Promise<ItemResult> {
    const existing = inFlight.get(item.key);
    const job = existing ?? startJob(item.key, item.request, options.clientId, options.deadlineAtMs);
    job.waiters += 1;
    job.deadlineAtMs = Math.max(job.deadlineAtMs, options.deadlineAtMs);
    const outcome = await Promise.race([job.done, request.expired]);
    job.waiters -= 1;
    if (outcome === EXPIRED) {
      if (job.state === 'queued' && job.waiters === 0) {
        scheduler.cancel(job);
        inFlight.delete(job.key);
        return resultWithoutVerdict(item.id, 'deadline_exceeded', "No verdict by the request's deadline: the check was still queued and, with no other request waiting for it, was dropped; a retry queues it again");
      }
      if (job.state === 'queued') return resultWithoutVerdict(item.id, 'deadline_exceeded', "No verdict by the request's deadline: the check is still queued (another request waits for it); a retry joins it");
      return resultWithoutVerdict(item.id, 'deadline_exceeded', `No verdict by the request's deadline: the check was already running and runs to the end${deps.maxRememberedVerdicts > 0 ? '; its verdict is cached, so a retry once it is in reuses it' : ' (the verdict cache is off, so a retry checks again)'}`);
    }
    if (outcome.kind === 'verdict') return resultFromVerdict(item.id, outcome.verdict, item.format, existing !== undefined);
    // A broken problem (bad statement, a header that does not elaborate) is not the machine's fault: no retry helps.
    if (outcome.error.code === 'INPUT_INVALID' || outcome.error.code === 'LEAN_HEADER_FAILED') return resultWithoutVerdict(item.id, 'unknown_problem', outcome.error.message, outcome.error.code);
    return resultFromError(item.id, outcome.error);
  }

  function count(results: ItemResult[]): ItemResult[] {
    for (const result of results) metrics.countItem(result.status, result.cached);
    return results;
  }

  function openRequest(deadlineAtMs: number): ActiveRequest & { close: () => void } {
    let expire!: (value: 'expired') => void;
    let finish!: () => void;
    let timer: NodeJS.Timeout | undefined;
    let atMs = Number.POSITIVE_INFINITY;
    const request = {
      expired: new Promise<'expired'>((resolve) => (expire = resolve)),
      finished: new Promise<void>((resolve) => (finish = resolve)),
      expireAt(newAtMs: number) {
        if (newAtMs >= atMs) return;
        atMs = newAtMs;
        clearTimeout(timer);
        timer = setTimeout(() => expire(EXPIRED), Math.max(0, atMs - Date.now()));
      },
      close() {
        clearTimeout(timer);
        active.delete(request);
        finish();
      },
    };
    request.expireAt(deadlineAtMs);
    active.add(request);
    return request;
  }

  return {
    versions: deps.versions,
    metrics,
    scheduler,
    readiness,
    get isDraining() {
      return isDraining;
    },
    get problemCount() {
      return deps.registry.size;
    },
    get waitingItems() {
      return waitingItems;
    },
    get waitingBytes() {
      return waitingBytes;
    },

    async verify(items, options) {
      if (isDraining) throw new ServeError('unavailable', 'The reward service is shutting down and admits no new requests; retry against another replica or after the restart', { retryAfterS: 5 });
      const requireFormat = options.requireFormat ?? config.reward.require_format;
      const resolved: Resolved[] = new Array(items.length);
      let waiting = 0;
      let bytes = 0;
      let newKeys: Set<string> | undefined;
      for (let i = 0; i < items.length; i += 1) {
        const item = items[i]!;
        assertWellFormed(item, i);
        const r = resolveItem(item, requireFormat);
        const known = r.kind === 'check' ? remembered.get(r.key) : undefined;
        if (r.kind === 'check' && known === undefined) {
          waiting += 1;
          bytes += ownTextBytes(item);
          if (!inFlight.has(r.key)) (newKeys ??= new Set()).add(r.key);
        }
        resolved[i] = known === undefined || r.kind !== 'check' ? r : answered(rememberedResult(known, r.id, r.format));
      }
      const newChecks = newKeys?.size ?? 0;
      const clientId = options.clientId;
      if (bytes > maxWaitingBytesPerClient) {
        // Never admissible, however idle the service: a 413, not a 429 forever.
        throw new ServeError('request_too_large', `Expected the text of the items that need a check to total at most ${maxWaitingBytesPerClient} bytes (serve.queue.max_waiting_bytes_per_client), got ${bytes} bytes; split the batch`);
      }
      const fitsQueue = scheduler.canAdmit(clientId, newChecks);
      // Duplicates of checks in flight take no queue slot, but each waits with its request in memory:
      // bounded by count and by the bytes of text it holds.
      const mine = waitingFor(clientId);
      const fitsWaiting = waiting === 0 || (waitingItems + waiting <= config.queue.max_waiting_items && mine.items + waiting <= config.queue.max_waiting_items_per_client);
      const fitsBytes = waiting === 0 || (waitingBytes + bytes <= maxWaitingBytes && mine.bytes + bytes <= maxWaitingBytesPerClient);
      if (!fitsQueue || !fitsWaiting || !fitsBytes) {
        const bound = !fitsQueue
          ? `queued ${scheduler.queued}/${scheduler.limits.maxQueued}, this client ${scheduler.queuedFor(clientId)}/${scheduler.limits.maxQueuedPerClient}, ${scheduler.running} running`
          : !fitsWaiting
            ? `items waiting for checks ${waitingItems}/${config.queue.max_waiting_items}, this client ${mine.items}/${config.queue.max_waiting_items_per_client}`
            : `bytes of text waiting for checks ${waitingBytes}/${maxWaitingBytes}, this client ${mine.bytes}/${maxWaitingBytesPerClient}; this request ${bytes}`;
        throw new ServeError('overloaded', `The reward service cannot take ${newChecks} more check(s) and ${waiting} waiting item(s) from client \`${truncate(clientId)}\` now (${bound})`, { retryAfterS: scheduler.retryAfterS() });
      }
      if (waiting === 0) return count(resolved.map((r) => (r as { result: ItemResult }).result));
      const request = openRequest(options.deadlineAtMs);
      addWaiting(clientId, waiting, bytes);
      try {
        return count(await Promise.all(resolved.map((r) => (r.kind === 'answered' ? r.result : waitForCheck(r, options, request)))));
      } finally {
        addWaiting(clientId, -waiting, -bytes);
        request.close();
      }
    },

    async warmUp(header) {
      try {
        await deps.checker.check({ header, formal_statement: 'theorem proofline_canary : True := by sorry', completion: '```lean4\ntrivial\n```' });
        readiness.isReady = !isDraining;
        readiness.detail = 'the checker answered the start-up canary';
      } catch (error) {
        readiness.detail = `the start-up canary failed: ${error instanceof ProoflineError ? `${error.code}: ` : ''}${(error as Error).message}`;
        throw error;
      }
    },

    async shutdown(drainTimeoutMs) {
      isDraining = true;
      readiness.isReady = false;
      readiness.detail = 'shutting down';
      const bound = Date.now() + drainTimeoutMs;
      for (const request of active) request.expireAt(bound);
      await Promise.all([...active].map((r) => r.finished));
      scheduler.cancelAll();
    },
  };
}

const NOTHING_WAITING = { items: 0, bytes: 0 } as const;
const TEXT_FIELDS = ['header', 'formal_statement', 'completion', 'proof'] as const;

/**
 * Refuses item text that is not well-formed UTF-16 (a lone surrogate): it has no UTF-8 form, so
 * Lean could not be shown it as sent, and the verdict key (sha256 of the UTF-8 text) would map it
 * onto U+FFFD and answer it with another text's verdict.
 */
function assertWellFormed(item: VerifyItem, index: number): void {
  for (const field of TEXT_FIELDS) {
    const text = item[field];
    if (text === undefined || text.isWellFormed()) continue;
    const at = firstLoneSurrogate(text);
    throw new ServeError('invalid_request', `Expected items.${index}.${field} to be well-formed Unicode text, got a lone surrogate (\\u${text.charCodeAt(at).toString(16)} at UTF-16 offset ${at}), which has no UTF-8 form; send the text Lean should check`, { field: `items.${index}.${field}` });
  }
}

function firstLoneSurrogate(text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i += 1;
    else if ((unit & 0xf800) === 0xd800) return i;
  }
  return -1;
}

/** UTF-8 bytes of the text an item carries itself (a problem_id's registry text is shared, not counted). */
function ownTextBytes(item: VerifyItem): number {
  let n = 0;
  for (const field of TEXT_FIELDS) {
    const text = item[field];
    if (text !== undefined) n += Buffer.byteLength(text, 'utf8');
  }
  return n;
}

function answered(result: ItemResult): Resolved {
  return { kind: 'answered', result };
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
