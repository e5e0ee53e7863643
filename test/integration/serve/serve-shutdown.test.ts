import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ItemResult } from '../../../pipeline/serve/reward-contract.ts';
import { RECORDED_LEAN_HOME, REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';
import { openServeKit, strictCases, type ServeKit } from './serve-kit.ts';
import { drainRewardApp } from '../../../workers/reward-app.ts';

const cases = [...strictCases().values()];
const leanCases = cases.filter((c) => c.input.header === '' && c.expected.layer === 'L2');
const item = (c: (typeof cases)[number], id: string) => ({ id, header: c.input.header, formal_statement: c.input.formal_statement, completion: c.input.completion });

let child: ChildProcess | undefined;
let kit: ServeKit | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await kit?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  child = kit = dir = undefined;
});

/** Starts `proofline serve --port 0` and resolves with its base URL from the "listening" log line. */
async function startServer(configText: string, env: Record<string, string>): Promise<{ url: string; exited: Promise<number | null>; logs: string[] }> {
  dir = await mkdtemp(join(tmpdir(), 'proofline-serve-cli-'));
  const config = join(dir, 'serve.yaml');
  await writeFile(config, configText);
  const logs: string[] = [];
  child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'proofline.js'), 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1'], { env: { ...process.env, PROOFLINE_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child!.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        logs.push(line);
        const parsed = JSON.parse(line) as { url?: string; msg?: string };
        if (parsed.msg === 'reward service listening' && parsed.url !== undefined) resolve(parsed.url);
      }
    });
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening:\n${logs.join('\n')}`)));
  });
  return { url, exited, logs };
}

describe('graceful shutdown', () => {
  it('proofline serve: on SIGTERM refuses new requests with 503, answers the one in flight with its verdicts, and exits 0', async () => {
    const problems = join(await mkdtemp(join(tmpdir(), 'proofline-serve-problems-')), 'problems.jsonl');
    const [first, second] = leanCases;
    await writeFile(problems, `${[first!, second!].map((c) => JSON.stringify({ id: c.file, header: c.input.header, formal_statement: c.input.formal_statement })).join('\n')}\n`);
    const server = await startServer(
      ['lean:', `  home: ${RECORDED_LEAN_HOME}`, '  sandbox: none', '  confirm: false', '  pool: { size: 2, warm_spares: 0 }', '  env: { RECORDED_LEAN_CMD_MS: "1500" }', 'serve:', `  problems: [${problems}]`, '  drain_timeout_ms: 10000', ''].join('\n'),
      {},
    );
    for (let i = 0; i < 100; i += 1) {
      if ((await fetch(`${server.url}/readyz`)).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const inFlight = fetch(`${server.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: 'a', problem_id: first!.file, completion: first!.input.completion }, { id: 'b', problem_id: second!.file, completion: second!.input.completion }] }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppedAt = performance.now();
    child!.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await fetch(`${server.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [item(first!, 'late')] }) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    const results = ((await answered.json()) as { results: ItemResult[] }).results;
    expect(results.map((r) => r.status)).toEqual([first!.expected.reason, second!.expected.reason]);
    expect(await server.exited).toBe(0);
    expect(performance.now() - stoppedAt).toBeLessThan(10_000);
    expect(server.logs.some((l) => l.includes('shutting down'))).toBe(true);
    await rm(join(problems, '..'), { recursive: true, force: true });
  }, 90_000);

  it('answers what is still waiting at the drain bound as deadline_exceeded (reward null), 503 + Retry-After when nothing got a verdict, and stops within it', async () => {
    kit = await openServeKit({ lean: { confirm: false, env: { RECORDED_LEAN_CMD_MS: '4000' } }, serve: { queue: { concurrency: 1 } } });
    await kit.app.listen({ host: '127.0.0.1', port: 0 });
    const address = kit.app.server.address() as { port: number };
    const inFlight = fetch(`http://127.0.0.1:${address.port}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: leanCases.slice(0, 3).map((c, i) => item(c, `i${i}`)) }) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await drainRewardApp(kit.app, kit.service, 500);
    expect(performance.now() - started).toBeLessThan(2000);
    const response = await inFlight;
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await response.json()) as { results: ItemResult[]; error: { code: string; retryable: boolean } };
    expect(body.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', retryable: true });
    expect(body.results.map((r) => [r.status, r.reward])).toEqual([['deadline_exceeded', null], ['deadline_exceeded', null], ['deadline_exceeded', null]]);
    expect(kit.service.scheduler.queued).toBe(0);
  }, 60_000);
});
