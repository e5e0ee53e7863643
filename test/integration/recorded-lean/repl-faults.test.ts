import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProoflineError } from '../../../pipeline/errors.ts';
import { MAX_REPL_RESPONSE_BYTES, parseReplResponse } from '../../../pipeline/lean/repl-protocol.ts';
import { HOME } from '../../fixtures/recorded-lean/lib/home.ts';
import { ReplClient } from '../../fixtures/recorded-lean/lib/repl-client.ts';

const EXAMPLES = path.join(HOME, 'examples');
const BODY = 'theorem two_eq : 1 + 1 = 2 := by\n  decide';
const faulty = (mode: string): string => `${BODY}\n-- recorded-lean: fault=${mode}`;

const clients: ReplClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.kill()));
});

function startRepl(env: Record<string, string> = {}): ReplClient {
  const client = new ReplClient({ RECORDED_LEAN_RECORDINGS: EXAMPLES, ...env });
  clients.push(client);
  return client;
}

async function headerEnv(client: ReplClient): Promise<number> {
  const response = await client.request({ cmd: '' });
  return response.env as number;
}

function rssMb(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:')) ?? '';
  return Number.parseInt(line.replace(/\D+/g, ''), 10) / 1024;
}

describe('bin/repl protocol edges', () => {
  it('answers a recorded chain and renumbers envs with its own counter', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    expect(await client.request({ cmd: BODY, env: header })).toEqual({ env: 1 });
    expect(await client.request({ cmd: BODY, env: header })).toEqual({ env: 2 });
    const axioms = parseReplResponse(await client.request({ cmd: 'set_option pp.fullNames true in\n#print axioms two_eq', env: 2 }));
    expect(axioms.kind === 'command' && axioms.messages[0]?.data).toBe("'two_eq' does not depend on any axioms");
  });

  it('matches a recording whatever the whitespace, when no exact text was recorded', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    expect(await client.request({ cmd: 'theorem   two_eq : 1 + 1 = 2 := by decide  ', env: header })).toEqual({ env: 1 });
  });

  it('answers an unrecorded cmd with an error message, and everything built on it too', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    const unrecorded = parseReplResponse(await client.request({ cmd: 'theorem two_eq : 1 + 1 = 2 := by\n  omega', env: header }));
    expect(unrecorded.kind).toBe('command');
    if (unrecorded.kind !== 'command') return;
    expect(unrecorded.messages.map((message) => [message.severity, message.data])).toEqual([['error', 'recorded-lean: no recording for this input']]);
    const after = parseReplResponse(await client.request({ cmd: 'set_option pp.fullNames true in\n#print axioms two_eq', env: unrecorded.env }));
    expect(after.kind === 'command' && after.messages[0]?.severity).toBe('error');
  });

  it('answers an unknown env like the REPL does', async () => {
    const client = startRepl();
    expect(await client.request({ cmd: BODY, env: 42 })).toEqual({ message: 'Unknown environment.' });
  });

  it('refuses tactic-mode requests with an error object', async () => {
    const client = startRepl();
    const response = parseReplResponse(await client.request({ tactic: 'rfl', proofState: 0 }));
    expect(response.kind).toBe('error');
  });

  it('skips comment queries and exits 0 at end of input', async () => {
    const client = startRepl();
    client.writeRaw('-- a comment query gets no answer\n\n');
    expect(await client.request({ cmd: '' })).toEqual({ env: 0 });
    expect(await client.close()).toEqual({ code: 0, signal: null });
  });

  it('dies with "uncaught exception" and exit 1 on invalid JSON, as the real REPL does', async () => {
    const client = startRepl();
    client.writeRaw('{"cmd": oops}\n\n');
    expect(await client.next()).toBeNull();
    expect(await client.exited).toEqual({ code: 1, signal: null });
    expect(client.stderr).toMatch(/^uncaught exception: /);
  });

  it('dies on a second blank line (the REPL reads it as the query "\\n")', async () => {
    const client = startRepl();
    client.writeRaw(`${JSON.stringify({ cmd: '' })}\n\n\n`);
    expect(await client.next()).toEqual({ kind: 'value', value: { env: 0 } });
    expect((await client.exited).code).toBe(1);
  });

  it('sleeps RECORDED_LEAN_HEADER_MS before answering an import and RECORDED_LEAN_CMD_MS per env-based cmd', async () => {
    const client = startRepl({ RECORDED_LEAN_HEADER_MS: '400', RECORDED_LEAN_CMD_MS: '200' });
    let started = performance.now();
    await client.request({ cmd: 'import Mathlib' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    started = performance.now();
    await client.request({ cmd: 'theorem test : 0 < 1 := by sorry', env: 0 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('bin/repl fault directives', () => {
  it('hang: never answers and keeps running', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    client.send({ cmd: faulty('hang'), env: header });
    const answer = await Promise.race([client.next(), new Promise((resolve) => setTimeout(() => resolve('silent'), 700))]);
    expect(answer).toBe('silent');
    expect(client.child.exitCode).toBeNull();
  });

  it.each(['SIGSEGV', 'SIGKILL'])('crash-signal: dies by %s', async (signal) => {
    const client = startRepl({ RECORDED_LEAN_CRASH_SIGNAL: signal });
    const header = await headerEnv(client);
    client.send({ cmd: faulty('crash-signal'), env: header });
    expect(await client.next()).toBeNull();
    expect(await client.exited).toEqual({ code: null, signal });
  });

  it('leak: keeps RECORDED_LEAN_LEAK_MB per cmd resident and still answers', async () => {
    const client = startRepl({ RECORDED_LEAN_LEAK_MB: '96' });
    const header = await headerEnv(client);
    const before = rssMb(client.child.pid as number);
    expect(await client.request({ cmd: faulty('leak'), env: header })).toEqual({ env: 1 });
    expect(await client.request({ cmd: faulty('leak'), env: header })).toEqual({ env: 2 });
    expect(rssMb(client.child.pid as number) - before).toBeGreaterThan(150);
  });

  it('garbage: a non-JSON block the decoder reports, then the normal answer', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    client.send({ cmd: faulty('garbage'), env: header });
    const first = await client.next();
    expect(first?.kind === 'error' && isProoflineError(first.error, 'LEAN_OUTPUT_UNPARSEABLE')).toBe(true);
    expect(await client.next()).toEqual({ kind: 'value', value: { env: 1 } });
  });

  it('invalid-json-death: half a response, "uncaught exception" on stderr, exit 1', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    client.send({ cmd: faulty('invalid-json-death'), env: header });
    const event = await client.next();
    expect(event?.kind === 'error' && event.error.code).toBe('LEAN_OUTPUT_UNPARSEABLE');
    expect(await client.exited).toEqual({ code: 1, signal: null });
    expect(client.stderr).toContain('uncaught exception');
  });

  it('empty: an empty response block, then the process goes on', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    client.send({ cmd: faulty('empty'), env: header });
    const event = await client.next();
    expect(event?.kind === 'error' && event.error.code).toBe('LEAN_OUTPUT_UNPARSEABLE');
    expect(await client.request({ cmd: BODY, env: header })).toEqual({ env: 1 });
  });

  it('slow: answers normally after RECORDED_LEAN_SLOW_MS', async () => {
    const client = startRepl({ RECORDED_LEAN_SLOW_MS: '500' });
    const header = await headerEnv(client);
    const started = performance.now();
    expect(await client.request({ cmd: faulty('slow'), env: header })).toEqual({ env: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
  });

  it('flood: one response past the 64 MiB per-response cap (one huge error message), then the process goes on', async () => {
    const client = startRepl();
    const header = await headerEnv(client);
    client.send({ cmd: faulty('flood'), env: header });
    const event = await client.next();
    expect(event?.kind === 'error' && event.overflowBytes).toBeGreaterThan(MAX_REPL_RESPONSE_BYTES);
    expect(Buffer.byteLength(client.stdout)).toBeGreaterThan(MAX_REPL_RESPONSE_BYTES);
    expect(client.stdout.startsWith('{"env": 0}\n\n{"messages":\n [{"severity": "error",')).toBe(true);
    expect(await client.request({ cmd: BODY, env: header })).toEqual({ env: 2 });
  });

  it('RECORDED_LEAN_FAULT applies process-wide after RECORDED_LEAN_FAULT_AFTER cmds', async () => {
    const client = startRepl({ RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_AFTER: '2', RECORDED_LEAN_CRASH_SIGNAL: 'SIGKILL' });
    const header = await headerEnv(client);
    expect(await client.request({ cmd: BODY, env: header })).toEqual({ env: 1 });
    client.send({ cmd: BODY, env: header });
    expect(await client.next()).toBeNull();
    expect((await client.exited).signal).toBe('SIGKILL');
  });

  it('RECORDED_LEAN_FAULT_BINS limits the process-wide fault to the named bins', async () => {
    const client = startRepl({ RECORDED_LEAN_FAULT: 'crash-signal', RECORDED_LEAN_FAULT_BINS: 'lean' });
    const header = await headerEnv(client);
    expect(await client.request({ cmd: BODY, env: header })).toEqual({ env: 1 });
  });
});
