import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReplResponse } from '../../../pipeline/lean/repl-protocol.ts';
import { HOME } from '../../fixtures/recorded-lean/lib/home.ts';
import { ReplClient } from '../../fixtures/recorded-lean/lib/repl-client.ts';
import { findTranscriptPaths, readTranscript } from '../../fixtures/recorded-lean/lib/transcript.ts';

const run = promisify(execFile);
const VERSIONS = ['4.9.0', '4.15.0', '4.19.0', '4.26.0', '4.33.0'];
const clients: ReplClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.kill()));
});

type JsonObject = Record<string, unknown>;

/** Order-insensitive JSON with env and proofState ids blanked (the double numbers them itself). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, inner: unknown) => {
    if (key === 'env' || key === 'proofState') return '#';
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return inner;
  });
}

describe.each(VERSIONS)('bin/repl replaying the real REPL tests of Lean %s', (version) => {
  it('answers every cmd request whose env comes from cmd requests exactly as recorded', async () => {
    const client = new ReplClient({ RECORDED_LEAN_VERSION: version });
    clients.push(client);
    const transcripts = findTranscriptPaths(path.join(HOME, 'transcripts', `repl-v${version}`)).map(readTranscript);
    let compared = 0;
    let skipped = 0;
    for (const transcript of transcripts) {
      const ourEnv = new Map<number, number>();
      for (const [index, request] of (transcript.requests as JsonObject[]).entries()) {
        const expected = transcript.responses[index] as JsonObject;
        const isUnknownEnvCase = expected.message === 'Unknown environment.';
        const env = request.env === undefined ? undefined : ourEnv.get(request.env as number);
        if (typeof request.cmd !== 'string' || (request.env !== undefined && env === undefined && !isUnknownEnvCase)) {
          skipped += 1;
          continue;
        }
        const sent = { ...request, ...(request.env === undefined ? {} : { env: env ?? 999_999 }) };
        const actual = await client.request(sent);
        expect(canonical(actual), `${transcript.inPath} request ${index + 1}`).toBe(canonical(expected));
        parseReplResponse(actual);
        if (typeof expected.env === 'number' && typeof actual.env === 'number') ourEnv.set(expected.env, actual.env);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(60);
    expect(skipped).toBeGreaterThan(0); // tactic-mode and pickle requests are not served
  });
});

describe.concurrent('bin/repl fed a whole real transcript on stdin', () => {
  const dir = path.join(HOME, 'transcripts', 'repl-v4.33.0');
  const cmdOnly = findTranscriptPaths(dir).filter((inPath) =>
    readTranscript(inPath).requests.every((request) => typeof (request as JsonObject).cmd === 'string'),
  );

  it('has cmd-only transcripts to replay, including invalid_line_break and unknown_environment', () => {
    const names = cmdOnly.map((inPath) => path.basename(inPath, '.in'));
    expect(names).toEqual(expect.arrayContaining(['invalid_line_break', 'unknown_environment', 'def_eval', 'infotree']));
  });

  it.each(cmdOnly.map((inPath) => [path.relative(dir, inPath), inPath]))('prints %s byte-for-byte like the real REPL', async (_name, inPath) => {
    const expected = fs.readFileSync(inPath.replace(/\.in$/, '.expected.out'), 'utf8');
    const { stdout, stderr } = await run('/bin/sh', ['-c', `"${path.join(HOME, 'bin', 'repl')}" < "${inPath}"`]);
    expect(stderr).toBe('');
    expect(stdout).toBe(expected);
  });
});
