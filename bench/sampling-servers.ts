import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

/** What an instant server saw: how many requests overlapped, and when each arrived with its token bill. */
export interface ServerLog {
  maxInFlight: number;
  arrivals: Array<{ atMs: number; tokens: number }>;
  reset(): void;
}

export interface InstantServer {
  url: string;
  log: ServerLog;
  /** 0 = answer at once; > 0 = hold each request this long (a stand-in for model latency). */
  delayMs: number;
  close(): Promise<void>;
}

/** Billed usage: prompt tokens = characters / 4 of the messages; output tokens vary 100..500 by request. */
function usageFor(body: { messages?: Array<{ content?: string; text?: string }> } | null, index: number): { input: number; output: number } {
  const chars = JSON.stringify(body?.messages ?? []).length;
  return { input: Math.ceil(chars / 4), output: 100 + ((index * 137) % 401) };
}

function newLog(): ServerLog & { inFlight: number } {
  const log = {
    maxInFlight: 0,
    inFlight: 0,
    arrivals: [] as Array<{ atMs: number; tokens: number }>,
    reset() {
      log.maxInFlight = 0;
      log.arrivals = [];
    },
  };
  return log;
}

/** Milliseconds on a clock shared by all threads (performance.now() is per thread). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function after(delayMs: number, respond: () => void): void {
  if (delayMs > 0) setTimeout(respond, delayMs);
  else respond();
}

const ANSWER = 'Reasoning.\n```lean4\ntheorem t : True := by\n  trivial\n```';

/** OpenAI-compatible chat completions over HTTP/1.1 that answers as soon as the body is read. */
export async function startInstantChatServer(): Promise<InstantServer> {
  const log = newLog();
  const state: InstantServer = { url: '', log, delayMs: 0, close: async () => {} };
  const server = http.createServer((request, response) => {
    log.inFlight += 1;
    log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const usage = usageFor(JSON.parse(Buffer.concat(chunks).toString('utf8')), log.arrivals.length);
      log.arrivals.push({ atMs: epochMs(), tokens: usage.input + usage.output });
      const body = { model: 'instant', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }], usage: { prompt_tokens: usage.input, completion_tokens: usage.output } };
      after(state.delayMs, () => {
        log.inFlight -= 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return state;
}

/** Bedrock Converse over cleartext HTTP/2 that answers as soon as the body is read. */
export async function startInstantConverseServer(): Promise<InstantServer> {
  const log = newLog();
  const state: InstantServer = { url: '', log, delayMs: 0, close: async () => {} };
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream) => {
    log.inFlight += 1;
    log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const usage = usageFor(JSON.parse(Buffer.concat(chunks).toString('utf8')), log.arrivals.length);
      log.arrivals.push({ atMs: epochMs(), tokens: usage.input + usage.output });
      const body = { output: { message: { role: 'assistant', content: [{ text: ANSWER }] } }, stopReason: 'end_turn', usage: { inputTokens: usage.input, outputTokens: usage.output, totalTokens: usage.input + usage.output }, metrics: { latencyMs: 0 } };
      after(state.delayMs, () => {
        log.inFlight -= 1;
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => { for (const session of sessions) session.destroy(); server.close(() => resolve()); });
  return state;
}

/** The most tokens that arrived within any window of `windowMs` (each window starts at an arrival). */
export function maxTokensInWindow(arrivals: ServerLog['arrivals'], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs);
  let best = 0;
  let sum = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]!.atMs < sorted[start]!.atMs + windowMs) sum += sorted[end++]!.tokens;
    best = Math.max(best, sum);
    sum -= sorted[start]!.tokens;
  }
  return best;
}
