import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, on a registry of their own (one per app, so tests and
 * benchmarks never share counters). Names are API: rename deliberately.
 */
export interface ServeMetrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  httpDuration: Histogram<'route'>;
  items: Counter<'status'>;
  cacheHits: Counter;
  checkDuration: Histogram;
  rejectedRequests: Counter<'reason'>;
  /** One answered HTTP request (the label children are looked up once per route and status, not per request). */
  countRequest(route: string, status: number, seconds: number): void;
  /** One answered item, by status; `cached` also counts a cache hit. */
  countItem(status: string, cached: boolean): void;
}

export interface ServeGauges {
  queued: () => number;
  running: () => number;
  concurrency: () => number;
  leanInvocations: () => number;
  waitingItems: () => number;
  waitingBytes: () => number;
}

export function createServeMetrics(gauges: ServeGauges): ServeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  };
  gauge('proofline_queue_depth', 'Distinct checks admitted and waiting for a slot.', gauges.queued);
  gauge('proofline_checks_running', 'Checks handed to the checker now.', gauges.running);
  gauge('proofline_pool_utilisation', 'Running checks / scheduler slots (0..1).', () => gauges.running() / gauges.concurrency());
  gauge('proofline_waiting_items', 'Items waiting for a check (new ones and duplicates joining a check in flight), over all clients.', gauges.waitingItems);
  gauge('proofline_waiting_bytes', 'UTF-8 bytes of the text that waiting items carry (header, statement, completion; not registry text), over all clients.', gauges.waitingBytes);
  gauge('proofline_lean_invocations', 'Lean elaborations the checker started (L2 attempts), since start.', gauges.leanInvocations);
  const httpRequests = new Counter({ name: 'proofline_http_requests_total', help: 'HTTP requests by route and status code.', labelNames: ['route', 'status'], registers });
  const httpDuration = new Histogram({
    name: 'proofline_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers,
  });
  const items = new Counter({ name: 'proofline_verify_items_total', help: 'Verified items by status (valid, each rejection reason, infrastructure_error, deadline_exceeded, unknown_problem).', labelNames: ['status'], registers });
  const cacheHits = new Counter({ name: 'proofline_cache_hits_total', help: 'Items answered from the verdict cache or by joining an identical check in flight.', registers });
  // Label children by their values: prom-client hashes a label object on every inc()/observe().
  // Routes, status codes and item statuses are small fixed sets, so these maps stay small.
  const requestChildren = new Map<string, { count: ReturnType<typeof httpRequests.labels>; duration: ReturnType<typeof httpDuration.labels> }>();
  const itemChildren = new Map<string, ReturnType<typeof items.labels>>();
  return {
    registry,
    httpRequests,
    httpDuration,
    items,
    cacheHits,
    countRequest(route, status, seconds) {
      const key = `${status} ${route}`;
      let child = requestChildren.get(key);
      if (child === undefined) requestChildren.set(key, (child = { count: httpRequests.labels(route, String(status)), duration: httpDuration.labels(route) }));
      child.count.inc();
      child.duration.observe(seconds);
    },
    countItem(status, cached) {
      let child = itemChildren.get(status);
      if (child === undefined) itemChildren.set(status, (child = items.labels(status)));
      child.inc();
      if (cached) cacheHits.inc();
    },
    checkDuration: new Histogram({ name: 'proofline_check_duration_seconds', help: 'Time one distinct check held a slot.', buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers }),
    rejectedRequests: new Counter({ name: 'proofline_rejected_requests_total', help: 'Requests refused whole, by reason (the error code: OVERLOADED, UNAVAILABLE, UNAUTHORIZED, INPUT_INVALID, TOO_MANY_ITEMS, CHECKER_FAILED, DEADLINE_EXCEEDED, …).', labelNames: ['reason'], registers }),
  };
}
