import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request: pass it on, hold it forever (unanswered), or reset the connection. */
export type ProxyAction = 'forward' | 'stall' | 'reset';

export interface S3Proxy {
  readonly endpoint: string;
  /** Every request seen, as `METHOD /path`, in order. */
  readonly requests: string[];
  /** Requests being held (stalled), as `METHOD /path`. */
  readonly stalled: string[];
  /** Decides each request; default: forward everything. */
  decide: (method: string, path: string) => ProxyAction;
  close(): Promise<void>;
}

/**
 * A small HTTP proxy on loopback in front of an S3 server (s3rver), for tests that need the store
 * to misbehave at an exact request: stall a PUT whose key matches (the test then SIGKILLs the build
 * while that upload hangs), or reset connections (the store went away). Forwarded requests go to
 * `target` unchanged (the SigV4 signature covers the Host header, which is passed through as is,
 * and s3rver does not check that it names its own port).
 */
export async function startS3Proxy(target: { port: number }): Promise<S3Proxy> {
  const sockets = new Set<Socket>();
  const state: S3Proxy = {
    endpoint: '',
    requests: [],
    stalled: [],
    decide: () => 'forward',
    close: async () => {},
  };
  const server = http.createServer((request, response) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const label = `${method} ${path}`;
    state.requests.push(label);
    const action = state.decide(method, path);
    if (action === 'stall') {
      state.stalled.push(label);
      request.resume(); // read the body, answer nothing
      return;
    }
    if (action === 'reset') {
      request.socket.destroy();
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: target.port, method, path, headers: request.headers, agent: false },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('error', () => response.destroy());
      },
    );
    // The store is unreachable or dropped us: the client sees its connection reset, as it would.
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { endpoint: string }).endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}
