/**
 * A stage handler: one job in, its output out. It knows nothing about where jobs come from — an
 * in-process bounded queue in a local build (pipeline/build/local-run.ts), a BullMQ worker in
 * cluster mode — or where outputs go. Failures are thrown as ProoflineError (`retryable` set); the
 * runner that owns the queue decides about retries, dead letters and reporting.
 */
export interface Stage<Job, Output> {
  readonly name: StageName;
  run(job: Job, signal: AbortSignal): Promise<Output>;
}

export type StageName = 'sample' | 'check';
