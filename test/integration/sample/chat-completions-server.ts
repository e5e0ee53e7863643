import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChatReply =
  | { status: number; body: unknown; headers?: Record<string, string> }
  /** A 200 whose body is sent verbatim (for malformed answers). */
  | { status: 200; raw: string }
  | { hang: true };

export interface ChatCall {
  path: string;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

export interface ChatServer {
  url: string;
  calls: ChatCall[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** An OpenAI-compatible `/v1/chat/completions` stand-in on loopback (HTTP/1.1, like vLLM/SGLang/Ollama). */
export async function startChatServer(reply: (call: ChatCall, index: number) => ChatReply | Promise<ChatReply>): Promise<ChatServer> {
  let inFlight = 0;
  const state: ChatServer = { url: '', calls: [], maxInFlight: 0, close: async () => {} };
  const server = http.createServer((request, response) => {
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    response.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const call: ChatCall = { path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), headers: request.headers };
      state.calls.push(call);
      const answer = request.url === '/v1/chat/completions' ? await reply(call, state.calls.length - 1) : { status: 404, body: { error: { message: 'not found' } } };
      if ('hang' in answer) return;
      if ('raw' in answer) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(answer.raw);
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A chat.completion body; `reasoning_content` is what vLLM/SGLang reasoning parsers return. */
export function chatBody(content: string | null, options: { reasoning?: string; finishReason?: string; promptTokens?: number; completionTokens?: number; model?: string } = {}): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    model: options.model ?? 'served-model',
    choices: [{ index: 0, message: { role: 'assistant', content, ...(options.reasoning === undefined ? {} : { reasoning_content: options.reasoning }) }, finish_reason: options.finishReason ?? 'stop' }],
    usage: { prompt_tokens: options.promptTokens ?? 100, completion_tokens: options.completionTokens ?? 50, total_tokens: (options.promptTokens ?? 100) + (options.completionTokens ?? 50) },
  };
}
