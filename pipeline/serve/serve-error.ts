/**
 * Why the reward service refused a whole request (per-item outcomes are `ItemResult`s, never
 * these). Thrown by the service, the routes and the adapters alike; the app's one error handler
 * turns each kind into its HTTP status, `Retry-After` and JSON body. Nothing in pipeline/lean
 * knows about these.
 */
export const SERVE_ERROR_KINDS = {
  /** Malformed request: the field is named. */
  invalid_request: { status: 400, code: 'INPUT_INVALID' },
  unauthorized: { status: 401, code: 'UNAUTHORIZED' },
  /** More items than `serve.limits.max_items`. */
  too_many_items: { status: 413, code: 'TOO_MANY_ITEMS' },
  /** The items' text is larger than one client may ever have waiting (`serve.queue.max_waiting_bytes_per_client`): split it. */
  request_too_large: { status: 413, code: 'REQUEST_TOO_LARGE' },
  /** The admission bounds (queue, waiting items, waiting bytes) cannot take the request now: retry after `retryAfterS`. */
  overloaded: { status: 429, code: 'OVERLOADED' },
  /** Shutting down (or not ready): another replica, or this one after restart, will answer. */
  unavailable: { status: 503, code: 'UNAVAILABLE' },
  /** Nothing in the request got a verdict because the checker kept failing: retry, never learn from it. */
  checker_failed: { status: 503, code: 'CHECKER_FAILED' },
  /**
   * Nothing in the request got a verdict by its deadline: retry. A check already running finishes
   * and its verdict is cached (a retry reuses it); a queued check no other request waits for is
   * dropped (a retry queues it again).
   */
  deadline_exceeded: { status: 503, code: 'DEADLINE_EXCEEDED' },
} as const satisfies Record<string, { status: number; code: string }>;

export type ServeErrorKind = keyof typeof SERVE_ERROR_KINDS;

export class ServeError extends Error {
  override readonly name = 'ServeError';
  readonly kind: ServeErrorKind;
  /** The offending field (`items.3.completion`) for invalid_request. */
  readonly field: string | null;
  /** Seconds for `Retry-After` (429/503). */
  readonly retryAfterS: number | null;
  /** Extra JSON for the body (e.g. the per-item results of a request that all failed). */
  readonly body: Record<string, unknown>;

  constructor(kind: ServeErrorKind, message: string, options: { field?: string; retryAfterS?: number; body?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.field = options.field ?? null;
    this.retryAfterS = options.retryAfterS ?? null;
    this.body = options.body ?? {};
  }

  get status(): number {
    return SERVE_ERROR_KINDS[this.kind].status;
  }

  get code(): string {
    return SERVE_ERROR_KINDS[this.kind].code;
  }
}
