import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

/** What the fake Bedrock answers to one Converse call. */
export type ConverseReply =
  | { status: 200; body: unknown }
  /** An AWS restJson1 error: `x-amzn-errortype` header + `{ message }` body, as Bedrock sends it. */
  | { status: number; errorType: string; message: string }
  /** Never answer; the stream stays open until the client gives up. */
  | { hang: true };

export interface ConverseCall {
  path: string;
  modelId: string;
  body: Record<string, unknown>;
  headers: http2.IncomingHttpHeaders;
}

export interface ConverseServer {
  url: string;
  calls: ConverseCall[];
  /** Highest number of requests open at once (the concurrency limit, measured at the server). */
  maxInFlight: number;
  /** Resolves when the client has closed a hanging stream (a timeout took effect). */
  closedHangs: number;
  close(): Promise<void>;
}

/**
 * A Bedrock Runtime stand-in on loopback: cleartext HTTP/2 (h2c, prior knowledge), which is what
 * the SDK's NodeHttp2Handler speaks to an `http://` endpoint. Serves `POST /model/{id}/converse`.
 */
export async function startConverseServer(reply: (call: ConverseCall, index: number) => ConverseReply): Promise<ConverseServer> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  let inFlight = 0;
  const state: ConverseServer = { url: '', calls: [], maxInFlight: 0, closedHangs: 0, close: async () => {} };
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    stream.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const path = String(headers[':path']);
      const match = /^\/model\/([^/]+)\/converse$/u.exec(path);
      const call: ConverseCall = { path, modelId: decodeURIComponent(match?.[1] ?? ''), body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), headers };
      state.calls.push(call);
      const answer = match === null ? { status: 404, errorType: 'UnknownOperationException', message: `no route ${path}` } : reply(call, state.calls.length - 1);
      if ('hang' in answer) {
        stream.on('close', () => (state.closedHangs += 1));
        return;
      }
      if ('errorType' in answer) {
        stream.respond({ ':status': answer.status, 'content-type': 'application/json', 'x-amzn-errortype': `${answer.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': `req-${state.calls.length}` });
        stream.end(JSON.stringify({ message: answer.message }));
        return;
      }
      stream.respond({ ':status': answer.status, 'content-type': 'application/json', 'x-amzn-requestid': `req-${state.calls.length}` });
      stream.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A Converse response body with the given content blocks. */
export function converseBody(content: unknown[], options: { stopReason?: string; inputTokens?: number; outputTokens?: number } = {}): unknown {
  const inputTokens = options.inputTokens ?? 120;
  const outputTokens = options.outputTokens ?? 80;
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: options.stopReason ?? 'end_turn',
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 5 },
  };
}
