import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parseConfig, type LeanConfig } from '../pipeline/config.ts';
import { openProofChecker } from '../pipeline/lean/open-checker.ts';
import { BENCH_HEADER, writeBenchRecordings, type BenchCandidate } from './recorded-candidates.ts';
import { positiveFlag } from './bench-report.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const POOL_SIZE = 2;

/** The raw `lean:` section (written into the server's YAML and parsed for the in-process pool). */
function leanSection(recordings: string, proofMs: number, cache: boolean): Record<string, unknown> {
  return {
    home: join(REPO_ROOT, 'test', 'fixtures', 'recorded-lean'),
    sandbox: 'bwrap',
    confirm: false,
    timeout_ms: 60_000,
    memory_limit_mb: 2048,
    env: { RECORDED_LEAN_RECORDINGS: recordings, RECORDED_LEAN_HEADER_MS: '1000', RECORDED_LEAN_CMD_MS: String(proofMs) },
    sandbox_read_only_paths: [recordings],
    pool: { size: POOL_SIZE, warm_spares: 1, max_checks_per_process: 100_000 },
    cache: { enabled: cache, max_entries: 100_000 },
  };
}

const leanConfig = (recordings: string, proofMs: number, cache: boolean): LeanConfig => parseConfig({ lean: leanSection(recordings, proofMs, cache) }).lean;

const itemOf = (c: BenchCandidate, id: string) => ({ id, header: c.header, formal_statement: c.formal_statement, completion: c.completion });

/** A loopback port nothing listens on right now (the server gets it on its command line, so its log level can stay at warn). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** CPU seconds (user + system) of a process so far, from /proc/PID/stat; null off Linux. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
  } catch {
    return null;
  }
}

/**
 * `proofline serve` in its own process (`node bin/proofline.js serve`) over the double with `proofMs`
 * per proof, so autocannon in this process does not share an event loop with the server.
 * Resolves once /readyz answers 200 (the canary on the bench header has been imported).
 */
async function startService(recordings: string, proofMs: number, serve: Record<string, unknown> = {}, root = REPO_ROOT) {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'proofline-bench-serve-'));
  const configFile = join(tmpRoot, 'serve.yaml');
  const port = await freePort();
  // JSON is YAML: the config file is the JSON text of the config object.
  await writeFile(configFile, JSON.stringify({ lean: leanSection(recordings, proofMs, true), serve: { ...serve, canary_header: BENCH_HEADER, drain_timeout_ms: 5000 }, log: { level: 'warn' } }, null, 2));
  const child = spawn(process.execPath, [join(root, 'bin', 'proofline.js'), 'serve', '--config', configFile, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: root,
    env: { ...process.env, PROOFLINE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => void logs.push(chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve((exitCode = code ?? (signal === null ? null : -1)))));
  const url = `http://127.0.0.1:${port}`;
  const readyBy = performance.now() + 120_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`Expected proofline serve to become ready on ${url}, but it exited with ${exitCode}:\n${logs.join('')}`);
    if (performance.now() > readyBy) {
      child.kill('SIGKILL');
      throw new Error(`Expected proofline serve to answer 200 on ${url}/readyz within 120 s, but it did not:\n${logs.join('')}`);
    }
    const status = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    /** `proofline_lean_invocations` from the server's /metrics. */
    leanInvocations: async (): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = /^proofline_lean_invocations (\d+)/mu.exec(text);
      if (match === null) throw new Error(`Expected a proofline_lean_invocations line in ${url}/metrics, got:\n${text.slice(0, 500)}`);
      return Number(match[1]);
    },
    stop: async (): Promise<void> => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(killer);
      await rm(tmpRoot, { recursive: true, force: true });
      if (code !== 0) throw new Error(`Expected proofline serve to exit 0 on SIGTERM, got ${code}:\n${logs.join('')}`);
    },
  };
}

/**
 * The POST floor: a bare fastify (the same version, no hooks, no logger) in its own process that
 * answers POST /v1/verify with a fixed body the size of a cached answer, after fastify's own JSON
 * body parsing, and nothing else. What a cached POST costs over it is the reward service's own work.
 */
async function startPostFloor(answer: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const code = [
    `import Fastify from ${JSON.stringify(join(REPO_ROOT, 'node_modules', 'fastify', 'fastify.js'))};`,
    `const answer = ${JSON.stringify(answer)};`,
    'const app = Fastify();',
    "app.post('/v1/verify', async (request, reply) => { if (request.body === undefined) throw new Error('no body'); return reply.type('application/json').send(answer); });",
    `await app.listen({ host: '127.0.0.1', port: ${port} });`,
    "process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));",
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    const status = await fetch(`${url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (i > 300) throw new Error(`Expected the POST floor server to answer on ${url} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, pid: child.pid!, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

interface Load {
  url: string;
  connections: number;
  amount?: number;
  durationS?: number;
  bodies: string[];
  path?: string;
  method?: 'GET' | 'POST';
}

async function load(options: Load): Promise<{ result: autocannon.Result; wallS: number }> {
  let next = 0;
  const started = performance.now();
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.durationS ?? 10 } : { amount: options.amount }),
    timeout: 60,
    requests: [
      {
        method: options.method ?? 'POST',
        path: options.path ?? '/v1/verify',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => (options.bodies.length === 0 ? request : { ...request, body: options.bodies[next++ % options.bodies.length] }),
      },
    ],
  });
  return { result, wallS: (performance.now() - started) / 1000 };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const statusCount = (result: autocannon.Result, code: number): number => (result.statusCodeStats as Record<string, { count: number }> | undefined)?.[String(code)]?.count ?? 0;

/** `npm run bench -- reward-service [--uncached 300] [--proof-ms 100] [--burst-problems 1000] [--rounds 2] [--compare-with DIR]` (DIR: another checkout, e.g. `git archive` of an older commit, with node_modules) */
export async function run(args: string[]): Promise<void> {
  const { describeMachine, summarize, ratios, writeBenchReport } = await import('./bench-report.ts');
  const flag = (name: string, fallback: number): number => positiveFlag(args, name, fallback);
  const uncachedCount = flag('uncached', 300);
  const proofMs = flag('proof-ms', 100);
  const burstProblems = flag('burst-problems', 1000);
  const rounds = flag('rounds', 2);
  const compareAt = args.indexOf('--compare-with');
  const compareWith = compareAt >= 0 ? (args[compareAt + 1] ?? null) : null;
  /** 1-minute load average at the start of each phase (the machine is shared). */
  const loadAverages: number[] = [];
  const noteLoad = (): void => void loadAverages.push(loadavg()[0]!);
  const startedAt = new Date().toISOString();
  const { dir, candidates } = await writeBenchRecordings(Math.max(uncachedCount * 2 + 200, burstProblems));
  const log = (text: string): void => void process.stderr.write(`reward-service: ${text}\n`);

  // 1. The 8,000-item burst (8 duplicates per problem), then cached verdicts at 64 connections.
  noteLoad();
  const fast = await startService(dir, 5);
  const burstItems = candidates.slice(0, burstProblems).flatMap((c, p) => Array.from({ length: 8 }, (_, k) => itemOf(c, `${p}-${k}`)));
  const invocationsBefore = await fast.leanInvocations();
  const burstStarted = performance.now();
  const burstResponse = await fetch(`${fast.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: burstItems, timeout_s: 600 }) });
  const burstBody = (await burstResponse.json()) as { results: Array<{ status: string; cached: boolean }> };
  const burstWallS = (performance.now() - burstStarted) / 1000;
  const burstChecks = (await fast.leanInvocations()) - invocationsBefore;
  const burstStatuses: Record<string, number> = {};
  for (const r of burstBody.results) burstStatuses[r.status] = (burstStatuses[r.status] ?? 0) + 1;
  log(`burst: ${burstItems.length} items, ${burstChecks} Lean checks, ${burstWallS.toFixed(1)} s, HTTP ${burstResponse.status}`);

  const cachedBodies = candidates.slice(0, 64).map((c, i) => JSON.stringify({ items: [itemOf(c, `c${i}`)] }));
  // GET /healthz and the cached POST /v1/verify take turns (`--rounds` each, 10 s apiece), so a change
  // in the shared machine's load hits both sides alike; the server's CPU per request comes from /proc.
  const measure = async (url: string, pid: number, kind: 'health' | 'cached' | 'floor'): Promise<{ result: autocannon.Result; wallS: number; cpuUsPerRequest: number | null }> => {
    noteLoad();
    const cpuBefore = cpuSeconds(pid);
    const measured = kind === 'health' ? await load({ url, connections: 64, durationS: 10, bodies: [], path: '/healthz', method: 'GET' }) : await load({ url, connections: 64, durationS: 10, bodies: cachedBodies });
    const cpuAfter = cpuSeconds(pid);
    const requests = measured.result.requests.total;
    return { ...measured, cpuUsPerRequest: cpuBefore === null || cpuAfter === null || requests === 0 ? null : ((cpuAfter - cpuBefore) * 1e6) / requests };
  };
  // Every cached body is answered once before the timed rounds (the burst used other ids: the verdicts are in, the ids are not).
  await fetch(`${fast.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: candidates.slice(0, 64).map((c, i) => itemOf(c, `c${i}`)) }) }).then((r) => r.text());
  const sampleAnswer = await (await fetch(`${fast.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: cachedBodies[0]! })).text();
  const floor = await startPostFloor(sampleAnswer);
  const floorRounds: Awaited<ReturnType<typeof measure>>[] = [];
  // `--compare-with DIR`: the same server from another checkout (e.g. the previous commit), alive at
  // the same time; the two take turns round by round, so both see the same machine.
  const other = compareWith === null ? null : await startService(dir, 5, {}, compareWith);
  if (other !== null) await fetch(`${other.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: candidates.slice(0, 64).map((c, i) => itemOf(c, `c${i}`)) }) }).then((r) => r.text());
  const healthRounds: Awaited<ReturnType<typeof measure>>[] = [];
  const cachedRounds: Awaited<ReturnType<typeof measure>>[] = [];
  const previous = other === null ? null : { health: [] as Awaited<ReturnType<typeof measure>>[], cached: [] as Awaited<ReturnType<typeof measure>>[], dir: compareWith! };
  const describeRound = (h: Awaited<ReturnType<typeof measure>>, c: Awaited<ReturnType<typeof measure>>): string =>
    `healthz p50 ${h.result.latency.p50} / p99 ${h.result.latency.p99} ms, ${h.result.requests.average} req/s; cached p50 ${c.result.latency.p50} / p99 ${c.result.latency.p99} ms, ${c.result.requests.average} req/s (server ${c.cpuUsPerRequest?.toFixed(0)} vs ${h.cpuUsPerRequest?.toFixed(0)} CPU-µs per request)`;
  for (let round = 0; round < rounds; round += 1) {
    const sides = [
      async () => {
        healthRounds.push(await measure(fast.url, fast.pid, 'health'));
        cachedRounds.push(await measure(fast.url, fast.pid, 'cached'));
        floorRounds.push(await measure(floor.url, floor.pid, 'floor'));
        log(`round ${round + 1}: ${describeRound(healthRounds[round]!, cachedRounds[round]!)}; POST floor ${floorRounds[round]!.result.requests.average} req/s, p99 ${floorRounds[round]!.result.latency.p99} ms, ${floorRounds[round]!.cpuUsPerRequest?.toFixed(0)} CPU-µs per request`);
      },
      ...(other === null || previous === null
        ? []
        : [
            async () => {
              previous.health.push(await measure(other.url, other.pid, 'health'));
              previous.cached.push(await measure(other.url, other.pid, 'cached'));
              log(`previous build, round ${round + 1}: ${describeRound(previous.health[round]!, previous.cached[round]!)}`);
            },
          ]),
    ];
    if (round % 2 === 1) sides.reverse();
    for (const side of sides) await side();
  }
  await other?.stop();
  await floor.stop();
  const cached = cachedRounds[cachedRounds.length - 1]!;
  const health = healthRounds[healthRounds.length - 1]!;
  const serverCpuShare = cachedRounds.every((r) => r.cpuUsPerRequest !== null) ? median(cachedRounds.map((r) => (r.cpuUsPerRequest! * r.result.requests.total) / 1e6 / r.wallS)) : null;
  // The same bodies from one connection: the latency of one cached request when nothing queues behind it.
  const single = await load({ url: fast.url, connections: 1, durationS: 5, bodies: cachedBodies });
  await fast.stop();

  // 2. Uncached: the pool's own capacity (checker.check directly), then the same through HTTP.
  const poolCandidates = candidates.slice(0, uncachedCount);
  const httpCandidates = candidates.slice(uncachedCount, uncachedCount * 2);
  const poolTmp = await mkdtemp(join(tmpdir(), 'proofline-bench-pool-'));
  const { checker } = await openProofChecker(leanConfig(dir, proofMs, false), { repoRoot: REPO_ROOT, tmpRoot: poolTmp });
  await checker.check(candidates[candidates.length - 1]!); // import the header first, as the service's canary does
  const poolStarted = performance.now();
  await Promise.all(poolCandidates.map((c) => checker.check(c)));
  const poolPerS = uncachedCount / ((performance.now() - poolStarted) / 1000);
  await checker.close();
  await rm(poolTmp, { recursive: true, force: true });
  log(`pool capacity: ${poolPerS.toFixed(1)} checks/s`);

  noteLoad();
  const slow = await startService(dir, proofMs);
  const uncached = await load({ url: slow.url, connections: 16, amount: uncachedCount, bodies: httpCandidates.map((c, i) => JSON.stringify({ items: [itemOf(c, `u${i}`)] })) });
  const httpPerS = statusCount(uncached.result, 200) / uncached.wallS;
  log(`service uncached: ${httpPerS.toFixed(1)} checks/s (${statusCount(uncached.result, 200)} x 200, ${uncached.result.errors} errors, ${uncached.result.timeouts} timeouts)`);
  await slow.stop();

  // 3. Past capacity: 128 connections against a 64-check queue: 429s, never timeouts or lost requests.
  noteLoad();
  const small = await startService(dir, proofMs, { queue: { max_queued: 64, max_queued_per_client: 64 }, limits: { max_items: 64 } });
  const overloadCandidates = candidates.slice(uncachedCount * 2, uncachedCount * 2 + 200);
  const overloadAmount = 1000;
  const overload = await load({ url: small.url, connections: 128, amount: overloadAmount, bodies: overloadCandidates.map((c, i) => JSON.stringify({ items: [itemOf(c, `o${i}`)] })) });
  const answered = statusCount(overload.result, 200) + statusCount(overload.result, 429);
  log(`overload: ${statusCount(overload.result, 200)} x 200, ${statusCount(overload.result, 429)} x 429, ${overload.result.errors} errors, ${overload.result.timeouts} timeouts`);
  await small.stop();

  const baseline = {
    label: 'the same machinery without the service: GET /healthz on the same server process (HTTP floor) and checker.check() called directly in the bench process with autocannon idle (pool capacity)',
    figures: {
      cached_p50_latency: summarize(healthRounds.map((r) => r.result.latency.p50), 'ms', false),
      cached_p99_latency: summarize(healthRounds.map((r) => r.result.latency.p99), 'ms', false),
      cached_throughput: summarize(healthRounds.map((r) => r.result.requests.average), 'req/s', true),
      cached_server_cpu_per_request: summarize(healthRounds.flatMap((r) => (r.cpuUsPerRequest === null ? [] : [r.cpuUsPerRequest])), 'CPU-µs/request', false),
      uncached_throughput: summarize([poolPerS], 'checks/s', true),
    },
  };
  const proofline = {
    label: 'POST /v1/verify to `proofline serve` in its own process, one item per request, through admission, fair queuing, the checker and JSON',
    figures: {
      cached_p50_latency: summarize(cachedRounds.map((r) => r.result.latency.p50), 'ms', false),
      cached_p99_latency: summarize(cachedRounds.map((r) => r.result.latency.p99), 'ms', false),
      cached_throughput: summarize(cachedRounds.map((r) => r.result.requests.average), 'req/s', true),
      cached_server_cpu_per_request: summarize(cachedRounds.flatMap((r) => (r.cpuUsPerRequest === null ? [] : [r.cpuUsPerRequest])), 'CPU-µs/request', false),
      uncached_throughput: summarize([httpPerS], 'checks/s', true),
      burst_checks_per_item: summarize([burstChecks / burstItems.length], 'checks/item', false),
    },
  };
  const report = {
    name: 'reward-service',
    description: `The reward service (\`node bin/proofline.js serve\` in a child process, log level warn) on loopback, driven by autocannon in the bench process, against the recorded-Lean double (bwrap, pool of ${POOL_SIZE} REPLs + 1 warm spare, L3 off, header import 1 s): cached verdicts at 64 connections; uncached throughput at ${proofMs} ms per proof vs the pool's own capacity in the same run; 128 connections against a 64-check queue; one ${burstItems.length}-item request with 8 duplicates per problem.`,
    command: `npm run bench -- reward-service --uncached ${uncachedCount} --proof-ms ${proofMs} --burst-problems ${burstProblems} --rounds ${rounds}${compareWith === null ? '' : ' --compare-with <previous checkout>'}`,
    parameters: { pool_size: POOL_SIZE, proof_ms: proofMs, uncached_requests: uncachedCount, cached_connections: 64, cached_duration_s: 10, cached_rounds: rounds, single_connection_duration_s: 5, overload_connections: 128, overload_requests: overloadAmount, overload_max_queued: 64, burst_items: burstItems.length, burst_problems: burstProblems },
    machine: describeMachine(),
    started_at: startedAt,
    baseline,
    proofline,
    ratio: ratios(baseline, proofline),
    notes: [
      `Cached (${rounds} rounds of 10 s, taking turns with GET /healthz on the same server): p50 ${cachedRounds.map((r) => r.result.latency.p50).join(' / ')} ms, p99 ${cachedRounds.map((r) => r.result.latency.p99).join(' / ')} ms, ${cachedRounds.map((r) => r.result.requests.average).join(' / ')} req/s at 64 connections (target p99 < 10 ms); GET /healthz ${healthRounds.map((r) => r.result.requests.average).join(' / ')} req/s, p99 ${healthRounds.map((r) => r.result.latency.p99).join(' / ')} ms; non-2xx ${cachedRounds.reduce((n, r) => n + r.result.non2xx, 0)}, errors ${cachedRounds.reduce((n, r) => n + r.result.errors, 0)}.`,
      `Server CPU per request (utime + stime of the server process / requests answered): cached POST /v1/verify ${cachedRounds.map((r) => r.cpuUsPerRequest?.toFixed(0) ?? '?').join(' / ')} µs vs GET /healthz ${healthRounds.map((r) => r.cpuUsPerRequest?.toFixed(0) ?? '?').join(' / ')} µs: the figure that does not depend on how much of the shared machine the server got.`,
      `POST floor (a bare fastify process answering the same POST bodies with a fixed answer of the same size, ${sampleAnswer.length} bytes, after fastify's JSON body parsing; same rounds): ${floorRounds.map((r) => r.result.requests.average).join(' / ')} req/s, p50 ${floorRounds.map((r) => r.result.latency.p50).join(' / ')} ms, p99 ${floorRounds.map((r) => r.result.latency.p99).join(' / ')} ms, ${floorRounds.map((r) => r.cpuUsPerRequest?.toFixed(0) ?? '?').join(' / ')} CPU-µs per request: what a cached POST /v1/verify costs above this is the reward service's own work (auth/client hook, body check, lookup, result, metrics).`,
      ...(previous === null
        ? []
        : [
            `Previous build (${previous.dir}) in this run, alive beside this one and taking turns with it round by round, same loads: cached p50 ${previous.cached.map((r) => r.result.latency.p50).join(' / ')} ms, p99 ${previous.cached.map((r) => r.result.latency.p99).join(' / ')} ms, ${previous.cached.map((r) => r.result.requests.average).join(' / ')} req/s, server ${previous.cached.map((r) => r.cpuUsPerRequest?.toFixed(0) ?? '?').join(' / ')} CPU-µs per request; its GET /healthz ${previous.health.map((r) => r.result.requests.average).join(' / ')} req/s, ${previous.health.map((r) => r.cpuUsPerRequest?.toFixed(0) ?? '?').join(' / ')} CPU-µs per request.`,
          ]),
      `Closed loop: with 64 connections each waiting for its answer, mean latency = 64 / throughput (Little's law): ${(64_000 / cached.result.requests.average).toFixed(1)} ms at ${cached.result.requests.average} req/s in the last round (measured mean ${cached.result.latency.average} ms); p99 < 10 ms at 64 connections needs well over 6,400 req/s with little spread, and GET /healthz on this server reached ${health.result.requests.average} req/s (mean ${health.result.latency.average} ms, p99 ${health.result.latency.p99} ms) in the same round. One connection alone: p50 ${single.result.latency.p50} ms, p99 ${single.result.latency.p99} ms, ${single.result.requests.average} req/s.`,
      `Load average during the run: ${loadAverages.map((l) => l.toFixed(1)).join(', ')} (sampled at each phase; 2 cores shared with other work).`,
      `Uncached: ${httpPerS.toFixed(1)} checks/s through HTTP vs ${poolPerS.toFixed(1)} checks/s calling the checker directly (${((httpPerS / poolPerS) * 100).toFixed(1)}%; target >= 90%); ${statusCount(uncached.result, 200)}/${uncachedCount} answered 200, ${uncached.result.errors} errors, ${uncached.result.timeouts} timeouts.`,
      `Past capacity: ${overloadAmount} requests from 128 connections, queue bound 64: ${statusCount(overload.result, 200)} x 200, ${statusCount(overload.result, 429)} x 429 (with Retry-After), ${overload.result.errors} errors, ${overload.result.timeouts} timeouts; answered ${answered}/${overloadAmount}.`,
      `Burst: ${burstItems.length} items (${burstProblems} problems x 8 identical completions) in one request: ${burstChecks} Lean checks (${(burstChecks / burstItems.length).toFixed(4)} per item), ${burstWallS.toFixed(1)} s, HTTP ${burstResponse.status}, statuses ${JSON.stringify(burstStatuses)}; the double at 5 ms per proof here (the count, not the time, is the figure).`,
      'Where each part ran: the burst, GET /healthz, the cached and uncached POST /v1/verify loads and the past-capacity load all hit `proofline serve` in its own child process (a fresh one per phase), with autocannon (or fetch) in the bench process; only the pool-capacity baseline (checker.check() called directly) runs in the bench process, while no load generator is running.',
      `Server process CPU during the cached loads: ${serverCpuShare === null ? 'unknown' : `${serverCpuShare.toFixed(2)} CPU-seconds per second (median of the rounds)`} (one event loop: ~1.0 means the server is CPU-bound, less means it waited for a core or for the load generator); the server logs at warn (it no longer logs each request at info either).`,
      'Every tenth bench candidate has a Lean error (as in checker-throughput); the others are accepted at L2 (L3 off).',
    ],
    details: { post_floor: floorRounds.map((r) => ({ latency: r.result.latency, req_s: r.result.requests.average, cpu_us_per_request: r.cpuUsPerRequest })), load_averages: loadAverages, previous_build: previous === null ? null : { dir: previous.dir, cached: previous.cached.map((r) => ({ latency: r.result.latency, req_s: r.result.requests.average, cpu_us_per_request: r.cpuUsPerRequest })), health: previous.health.map((r) => ({ latency: r.result.latency, req_s: r.result.requests.average, cpu_us_per_request: r.cpuUsPerRequest })) }, server_cpu_s_per_s_cached: serverCpuShare, single_connection_latency: single.result.latency, single_connection_req_s: single.result.requests.average, burst_statuses: burstStatuses, cached_latency: cached.result.latency, health_latency: health.result.latency, uncached_wall_s: uncached.wallS, overload_status_codes: overload.result.statusCodeStats },
  };
  const paths = await writeBenchReport(join(REPO_ROOT, 'bench', 'results'), report);
  log(`wrote ${paths.json} and ${paths.markdown}`);
  await rm(dir, { recursive: true, force: true });
}
