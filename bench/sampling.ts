/**
 * Sampling overhead against instant loopback servers (on their own thread), and measured proof
 * that the concurrency and tokens-per-minute limits hold.
 *   npm run bench -- sampling        Writes bench/results/sampling.{json,md}.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { extractProof } from '../pipeline/extract/extract-proof.ts';
import { createBedrockSampler } from '../pipeline/sample/bedrock-sampler.ts';
import { createOpenAiSampler } from '../pipeline/sample/openai-sampler.ts';
import { loadPromptTemplate, renderPrompt } from '../pipeline/sample/prompt.ts';
import { runSampling } from '../pipeline/sample/sample-run.ts';
import { BedrockSamplerConfigSchema, OpenAiSamplerConfigSchema } from '../pipeline/sample/sampler-config.ts';
import type { Sampler } from '../pipeline/sample/sampler.ts';
import { TokenRateLimiter } from '../pipeline/sample/token-rate-limiter.ts';
import type { Problem } from '../pipeline/schemas/problem.ts';
import { type BenchReport, describeMachine, ratios, summarize, writeBenchReport } from './bench-report.ts';
import { epochMs, maxTokensInWindow, type ServerLog } from './sampling-servers.ts';

const ROOT = join(import.meta.dirname, '..');
const TEMPLATE = loadPromptTemplate(join(ROOT, 'datasets/prompts/lean4-proof-v1.yaml'));
const PARAMS = { repeats: 5, requests: 400, n: 4, concurrency: 8, held: { requests: 80, server_delay_ms: 20 }, tpm: { tokens_per_window: 8000, window_ms: 1000, requests: 60, max_tokens: 500, server_delay_ms: 20 } };
type ServerName = 'chat' | 'converse';
type Log = Pick<ServerLog, 'maxInFlight' | 'arrivals'>;

/** The servers' thread, driven by request/reply messages. */
function startServerThread(): { call: <T>(cmd: string, server?: ServerName, value?: number) => Promise<T>; stop: () => Promise<void> } {
  const worker = new Worker(new URL('./sampling-server-worker.ts', import.meta.url));
  const waiting = new Map<number, (reply: unknown) => void>();
  let nextId = 0;
  worker.on('message', (message: { id: number; reply: unknown }) => waiting.get(message.id)?.(message.reply));
  const call = <T>(cmd: string, server?: ServerName, value?: number): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, (reply) => resolve(reply as T));
      worker.postMessage({ id, cmd, server, value });
    });
  return { call, stop: async () => { await call('close'); await worker.terminate(); } };
}

const problems = (count: number): Problem[] => Array.from({ length: count }, (_, i) => ({ id: `p${i}`, header: '', informal_statement: `Show that True holds (${i}).`, formal_statement: `theorem p${i} : True := by sorry` }));
type Servers = ReturnType<typeof startServerThread>;

/** One proofline run (queue, limiter, retry wrapper, extraction, records); requests/s and the server's view. */
async function sampleRun(servers: Servers, sampler: Sampler, name: ServerName, requests: number, concurrency: number, limiter: TokenRateLimiter | null = null): Promise<{ rps: number; log: Log }> {
  await servers.call('reset', name);
  let written = 0;
  const started = performance.now();
  const result = await runSampling({
    sampler, template: TEMPLATE, problems: problems(requests / PARAMS.n), n: PARAMS.n, maxConcurrency: concurrency, tokenLimiter: limiter,
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 30_000, cache: null, extract: extractProof, price: null,
    isDone: () => false, writeRecord: async () => void (written += 1),
  });
  if (result.fatalError !== null || written !== requests) throw new Error(`bench run failed: ${String(result.fatalError)} (${written}/${requests} written)`);
  const rps = requests / ((performance.now() - started) / 1000);
  return { rps, log: await servers.call<Log>('log', name) };
}

/** Baseline without proofline: every request at once through bare fetch (Promise.all, no limits, no extraction). */
async function rawPromiseAll(servers: Servers, sampler: Sampler, url: string, requests: number): Promise<{ rps: number; log: Log }> {
  await servers.call('reset', 'chat');
  const bodies = problems(requests / PARAMS.n).flatMap((problem) => Array.from({ length: PARAMS.n }, (_, k) => sampler.prepare({ problem, sampleIndex: k, prompt: renderPrompt(TEMPLATE, problem) }).body));
  const started = performance.now();
  await Promise.all(bodies.map(async (body) => (await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()));
  const rps = requests / ((performance.now() - started) / 1000);
  return { rps, log: await servers.call<Log>('log', 'chat') };
}

async function repeatRps(run: () => Promise<{ rps: number }>): Promise<number[]> {
  await run(); // warm-up (connections, JIT), not counted
  const samples: number[] = [];
  for (let i = 0; i < PARAMS.repeats; i += 1) samples.push(Math.round((await run()).rps * 10) / 10);
  return samples;
}

/** A limiter that also records what it admitted, when (for the client-side view of the window). */
function observedLimiter(): { limiter: TokenRateLimiter; admitted: Log['arrivals'] } {
  const limiter = new TokenRateLimiter({ tokensPerWindow: PARAMS.tpm.tokens_per_window, windowMs: PARAMS.tpm.window_ms });
  const admitted: Log['arrivals'] = [];
  const acquire = limiter.acquire.bind(limiter);
  limiter.acquire = async (tokens, signal) => {
    const reservation = await acquire(tokens, signal);
    const entry = { atMs: epochMs(), tokens };
    admitted.push(entry);
    return { tokens, settle: (actual: number) => { entry.tokens = actual; reservation.settle(actual); } };
  };
  return { limiter, admitted };
}

export async function run(): Promise<BenchReport> {
  const servers = startServerThread();
  const urls = await servers.call<{ chat: string; converse: string }>('urls');
  const openai = createOpenAiSampler(OpenAiSamplerConfigSchema.parse({ base_url: urls.chat, model: 'instant', max_tokens: PARAMS.tpm.max_tokens }), { apiKey: null });
  const bedrock = createBedrockSampler(BedrockSamplerConfigSchema.parse({ region: 'us-east-1', model_id: 'instant', endpoint: urls.converse, max_tokens: PARAMS.tpm.max_tokens }), { timeoutMs: 30_000, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' } });
  try {
    const { requests, concurrency } = PARAMS;
    const base = { openai: await repeatRps(() => sampleRun(servers, openai, 'chat', requests, 1)), bedrock: await repeatRps(() => sampleRun(servers, bedrock, 'converse', requests, 1)) };
    const ours = { openai: await repeatRps(() => sampleRun(servers, openai, 'chat', requests, concurrency)), bedrock: await repeatRps(() => sampleRun(servers, bedrock, 'converse', requests, concurrency)) };
    const unbounded = await repeatRps(() => rawPromiseAll(servers, openai, urls.chat, requests));

    for (const name of ['chat', 'converse'] as const) await servers.call('delay', name, PARAMS.held.server_delay_ms);
    const held = PARAMS.held.requests;
    const inFlight = {
      proofline_openai: (await sampleRun(servers, openai, 'chat', held, concurrency)).log.maxInFlight,
      proofline_bedrock: (await sampleRun(servers, bedrock, 'converse', held, concurrency)).log.maxInFlight,
      concurrency_1: (await sampleRun(servers, openai, 'chat', held, 1)).log.maxInFlight,
      unbounded_promise_all: (await rawPromiseAll(servers, openai, urls.chat, held)).log.maxInFlight,
    };

    const { limiter, admitted } = observedLimiter();
    const limited = await sampleRun(servers, openai, 'chat', PARAMS.tpm.requests, concurrency, limiter);
    const unlimited = await sampleRun(servers, openai, 'chat', PARAMS.tpm.requests, concurrency);
    const window = PARAMS.tpm.window_ms;
    const spanS = (log: Log): number => Math.round((log.arrivals.at(-1)!.atMs - log.arrivals[0]!.atMs) / 10) / 100;
    const tpm = {
      limit: PARAMS.tpm.tokens_per_window,
      with_limiter: { max_tokens_admitted_in_any_window: maxTokensInWindow(admitted, window), max_tokens_billed_in_any_server_window: maxTokensInWindow(limited.log.arrivals, window), span_s: spanS(limited.log) },
      without_limiter: { max_tokens_billed_in_any_server_window: maxTokensInWindow(unlimited.log.arrivals, window), span_s: spanS(unlimited.log) },
    };

    const baseline = { label: 'concurrency 1 (one request at a time)', figures: { openai_requests_per_s: summarize(base.openai, 'req/s', true), bedrock_requests_per_s: summarize(base.bedrock, 'req/s', true) } };
    const proofline = { label: `proofline sampling run at max_concurrency ${concurrency}`, figures: { openai_requests_per_s: summarize(ours.openai, 'req/s', true), bedrock_requests_per_s: summarize(ours.bedrock, 'req/s', true) } };
    const report: BenchReport = {
      name: 'sampling',
      description: `Sampling overhead with instant loopback servers on their own thread (OpenAI-compatible over HTTP/1.1; Bedrock Converse over h2c through the real AWS SDK client). Each run: ${requests} requests (${requests / PARAMS.n} problems × n ${PARAMS.n}) through the full sampling loop (p-queue, retry wrapper, extraction, record building); ${PARAMS.repeats} repeats after a warm-up.`,
      command: 'npm run bench -- sampling',
      parameters: PARAMS,
      machine: describeMachine(),
      started_at: new Date().toISOString(),
      baseline,
      proofline,
      ratio: ratios(baseline, proofline),
      notes: [
        `Second baseline, bare fetch with unbounded Promise.all (no proofline, no limits): ${JSON.stringify(summarize(unbounded, 'req/s', true))}.`,
        `Concurrency limit ${concurrency}, measured at the server (each request held ${PARAMS.held.server_delay_ms} ms, ${held} requests): max in flight proofline/OpenAI ${inFlight.proofline_openai}, proofline/Bedrock ${inFlight.proofline_bedrock}, concurrency 1 → ${inFlight.concurrency_1}, unbounded Promise.all → ${inFlight.unbounded_promise_all}.`,
        `Tokens-per-minute limit ${tpm.limit} per ${window} ms window (scaled down from 60 s), ${PARAMS.tpm.requests} requests at concurrency ${concurrency}: tokens admitted in any window by the limiter ≤ ${tpm.with_limiter.max_tokens_admitted_in_any_window}; billed in any window at the server ${tpm.with_limiter.max_tokens_billed_in_any_server_window} (spread over ${tpm.with_limiter.span_s} s). Without the limiter: ${tpm.without_limiter.max_tokens_billed_in_any_server_window} in one window (all in ${tpm.without_limiter.span_s} s).`,
        'The limiter counts a request from its admission (Bedrock deducts input + max_tokens at request start) and keeps it counted for the window plus a margin (max(250 ms, 2% of the window)): a request reaches the server up to ~100 ms after admission here, and without the margin two bursts admitted one window apart landed in one server-side window (an earlier run billed 8,939 tokens in a 1 s window against the 8,000 limit). With the margin the server-side count stays under the limit.',
        'Instant servers measure proofline\'s own overhead per request (the client is the bottleneck, on 2 shared cores, so figures are noisy). With real model latency (seconds per request) throughput scales with max_concurrency until the backend quota or the tokens-per-minute limit binds.',
      ],
      details: { concurrency_limit: { configured: concurrency, server_delay_ms: PARAMS.held.server_delay_ms, max_in_flight: inFlight }, tokens_per_minute: tpm, unbounded_promise_all_requests_per_s: summarize(unbounded, 'req/s', true) },
    };
    await writeBenchReport(join(ROOT, 'bench/results'), report);
    process.stdout.write(`${JSON.stringify({ ratio: report.ratio, details: report.details }, null, 2)}\n`);
    return report;
  } finally {
    await openai.close();
    await bedrock.close();
    await servers.stop();
  }
}
