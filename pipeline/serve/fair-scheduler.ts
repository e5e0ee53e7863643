/**
 * Bounded admission and per-client round-robin over a fixed number of slots.
 *
 * Each client has a FIFO of waiting tasks; the clients with waiting tasks form a ring, and each
 * free slot goes to the next client in the ring (one task per turn). A trainer's 8,000-item burst
 * therefore delays another client's small request by at most one task per slot, never by the
 * burst. Admission is all-or-nothing per request: `admit(client, n)` says whether n more tasks fit
 * under both the total bound and the client's own bound; the caller answers 429 otherwise, so no
 * one ever waits unboundedly.
 */
export interface SchedulerLimits {
  concurrency: number;
  maxQueued: number;
  maxQueuedPerClient: number;
}

export interface ScheduledTask {
  readonly clientId: string;
  /** Set when nobody waits for the task any more: it is dropped without taking a slot. */
  isCancelled: boolean;
  run(): Promise<void>;
}

interface Fifo {
  items: ScheduledTask[];
  head: number;
}

export class FairScheduler {
  readonly limits: SchedulerLimits;
  readonly #waiting = new Map<string, Fifo>();
  /** Live (not cancelled) waiting tasks per client. */
  readonly #perClient = new Map<string, number>();
  #queued = 0;
  #running = 0;
  /** Smoothed duration of one task, for Retry-After. */
  #taskMsEwma = 1000;

  constructor(limits: SchedulerLimits) {
    for (const [key, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value <= 0) throw new TypeError(`Expected ${key} to be a positive integer, got ${value}`);
    }
    this.limits = limits;
  }

  get queued(): number {
    return this.#queued;
  }

  get running(): number {
    return this.#running;
  }

  /** Tasks the waiting queues still hold, passed ones included (memory: must stay near `queued`). */
  get retained(): number {
    let n = 0;
    for (const fifo of this.#waiting.values()) n += fifo.items.length;
    return n;
  }

  queuedFor(clientId: string): number {
    return this.#perClient.get(clientId) ?? 0;
  }

  /** Whether `count` more tasks from `clientId` fit now. */
  canAdmit(clientId: string, count: number): boolean {
    if (count === 0) return true;
    return this.#queued + count <= this.limits.maxQueued && this.queuedFor(clientId) + count <= this.limits.maxQueuedPerClient;
  }

  /** Seconds after which a retry is likely to fit: the queue's expected drain time, 1..60. */
  retryAfterS(): number {
    const ms = ((this.#queued + this.#running) * this.#taskMsEwma) / this.limits.concurrency;
    return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
  }

  enqueue(task: ScheduledTask): void {
    const fifo = this.#waiting.get(task.clientId);
    if (fifo === undefined) this.#waiting.set(task.clientId, { items: [task], head: 0 });
    else fifo.items.push(task);
    this.#count(task.clientId, 1);
    this.#queued += 1;
    this.#pump();
  }

  /** A queued task nobody waits for: stop counting it (it is skipped when its turn comes). */
  cancel(task: ScheduledTask): void {
    if (task.isCancelled) return;
    task.isCancelled = true;
    this.#queued -= 1;
    this.#count(task.clientId, -1);
  }

  /** Drops every waiting task (shutdown); running ones finish. */
  cancelAll(): void {
    for (const fifo of this.#waiting.values()) for (const task of fifo.items.slice(fifo.head)) this.cancel(task);
    this.#waiting.clear();
  }

  #count(clientId: string, delta: number): void {
    const n = (this.#perClient.get(clientId) ?? 0) + delta;
    if (n === 0) this.#perClient.delete(clientId);
    else this.#perClient.set(clientId, n);
  }

  #next(): ScheduledTask | undefined {
    for (const [clientId, fifo] of this.#waiting) {
      // Round-robin: the client whose turn it is goes to the back of the ring.
      this.#waiting.delete(clientId);
      let task: ScheduledTask | undefined;
      while (fifo.head < fifo.items.length && task === undefined) {
        const candidate = fifo.items[fifo.head] as ScheduledTask;
        fifo.head += 1;
        if (!candidate.isCancelled) task = candidate;
      }
      // Drop what the head has passed: a client that always has work queued (a steady reward
      // loop) must not keep every finished task's request and verdict alive.
      if (fifo.head >= 1024 && fifo.head * 2 >= fifo.items.length) {
        fifo.items = fifo.items.slice(fifo.head);
        fifo.head = 0;
      }
      if (fifo.head < fifo.items.length) this.#waiting.set(clientId, fifo);
      if (task !== undefined) {
        this.#count(clientId, -1);
        return task;
      }
    }
    return undefined;
  }

  #pump(): void {
    while (this.#running < this.limits.concurrency) {
      const task = this.#next();
      if (task === undefined) return;
      this.#queued -= 1;
      this.#running += 1;
      const started = performance.now();
      void task
        .run()
        .catch(() => undefined) // A task reports its own outcome; the slot must come back regardless.
        .finally(() => {
          this.#running -= 1;
          this.#taskMsEwma = 0.9 * this.#taskMsEwma + 0.1 * (performance.now() - started);
          this.#pump();
        });
    }
  }
}
