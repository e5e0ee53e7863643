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
}

export interface ServeGauges {
  queued: () => number;
  running: () => number;
  concurrency: () => number;
  leanInvocations: () => number;
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
  gauge('proofline_lean_invocations', 'Lean elaborations the checker started (L2 attempts), since start.', gauges.leanInvocations);
  return {
    registry,
    httpRequests: new Counter({ name: 'proofline_http_requests_total', help: 'HTTP requests by route and status code.', labelNames: ['route', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'proofline_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
      registers,
    }),
    items: new Counter({ name: 'proofline_verify_items_total', help: 'Verified items by status (valid, each rejection reason, infrastructure_error, deadline_exceeded, unknown_problem).', labelNames: ['status'], registers }),
    cacheHits: new Counter({ name: 'proofline_cache_hits_total', help: 'Items answered from the verdict cache or by joining an identical check in flight.', registers }),
    checkDuration: new Histogram({ name: 'proofline_check_duration_seconds', help: 'Time one distinct check held a slot.', buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers }),
    rejectedRequests: new Counter({ name: 'proofline_rejected_requests_total', help: 'Requests refused whole, by reason (overloaded, unavailable, unauthorized, invalid_request, too_many_items, checker_failed).', labelNames: ['reason'], registers }),
  };
}
