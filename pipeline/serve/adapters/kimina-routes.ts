import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LeanMessage } from '../../schemas/verdict.ts';
import type { ItemResult, VerifyItem } from '../reward-contract.ts';
import type { AdapterDeps } from './adapter-deps.ts';
import { InvalidFieldError, requireEveryVerdict } from './adapter-errors.ts';
import { splitLeanFile } from './lean-file-split.ts';
import { parseBody, verifyOptions } from './request-context.ts';
import { verifyInOrder } from './verify-items.ts';

/**
 * A Kimina Lean Server wire-compatible facade: `POST /api/check`, `POST /verify` (and its old name
 * `/one_pass_verify_batch`), `GET /health`. Recipes built on kimina-client (kimina-prover-rl)
 * switch by setting `LEAN_SERVER_API_URL` to this server.
 *
 * TRUST — read this before pointing a trainer here. A Kimina snippet is a whole Lean file: header,
 * statement and proof in one string. Where the statement comes from decides whether a model can
 * win by proving an easier statement:
 * 1. `problem_id` on the snippet/code (a proofline extension, ignored by Kimina itself): checked
 *    against the registry's trusted header and statement. Protected.
 * 2. Else the snippet's theorem text (layout and comments aside) matches a registry problem
 *    (`deps.statementIndex`): checked against that problem's trusted header and statement. Protected.
 * 3. Else, with `kiminaRequireRegisteredStatement`: rejected (a `lean_error` response saying the
 *    statement is not registered). Protected.
 * 4. Else: the snippet's own imports + first theorem statement are used as the trusted statement.
 *    NOT PROTECTED against statement tampering: the server checks whatever statement it was sent.
 *    This is safe only when the caller builds the snippet from its dataset's statement, as
 *    kimina-prover-rl does (`formal_statement + <model text after ":= by">`); a caller that sends
 *    the model's raw file must send a `problem_id` or run with a registry.
 * Each result carries `proofline.statement_source` (`problem_id | registry | snippet | unregistered | none`).
 *
 * Statuses map onto Kimina's `ReplResponse.analyze()`: `valid` → a response without errors or
 * sorries; `sorry` → a response with `sorries`; `timeout` → `error` containing "timed out"
 * (`timeout_error`); every other rejection → a response with an error-severity message naming
 * proofline's status (`lean_error`), so a Kimina client never scores it 1. No verdict
 * (infrastructure, deadline) → the whole request is 503 + Retry-After (kimina-client retries HTTP
 * errors 3 times); never a per-snippet `server_error`, which kimina-prover-rl would score 0.
 *
 * The request's `timeout` is NOT the Lean budget (that is the server's policy, part of the reward
 * definition); the answer is due within KIMINA_TIMEOUT_S (kimina-client's HTTP timeout is 600 s).
 * Message positions are in proofline's assembled file (trusted header + proof), not the snippet. UNSURE
 * whether any Kimina consumer relies on snippet-relative positions.
 */
export const KIMINA_TIMEOUT_S = 540;

const SnippetSchema = z.looseObject({ id: z.string(), code: z.string(), problem_id: z.string().min(1).optional() });
const CheckSchema = z.looseObject({
  snippets: z.array(SnippetSchema).min(1, 'expected a non-empty list of snippets'),
  timeout: z.number().min(0).optional(),
  debug: z.boolean().optional(),
  reuse: z.boolean().optional(),
});
const CodeSchema = z.looseObject({
  custom_id: z.union([z.string(), z.number()]),
  proof: z.string().nullable().optional(),
  code: z.string().nullable().optional(),
  problem_id: z.string().min(1).optional(),
});
const VerifySchema = z.looseObject({ codes: z.array(CodeSchema), timeout: z.number().min(0).optional(), disable_cache: z.boolean().optional() });

type StatementSource = 'problem_id' | 'registry' | 'snippet' | 'unregistered' | 'none';

interface KiminaPos {
  line: number;
  column: number;
}
interface KiminaMessage {
  severity: 'info' | 'warning' | 'error';
  pos: KiminaPos;
  endPos: KiminaPos | null;
  data: string;
}
interface CommandResponse {
  env: number;
  messages: KiminaMessage[];
  sorries?: { pos: KiminaPos; endPos: KiminaPos | null; goal: string }[];
}
/** One snippet's outcome in Kimina's terms: either `response` or `error`. */
export interface KiminaOutcome {
  time: number;
  response?: CommandResponse;
  error?: string;
  proofline: { status: string; statement_source: StatementSource; problem_id: string | null; reason: string | null; layer: string | null };
}

type Plan = { item: VerifyItem; source: StatementSource } | { rejection: string; source: StatementSource };

function plan(index: number, code: string, problemId: string | undefined, deps: AdapterDeps): Plan {
  const id = String(index);
  if (problemId !== undefined) return { item: { id, problem_id: problemId, completion: code }, source: 'problem_id' };
  const registered = deps.statementIndex?.findProblemId(code) ?? null;
  if (registered !== null) return { item: { id, problem_id: registered, completion: code }, source: 'registry' };
  if (deps.kiminaRequireRegisteredStatement === true) {
    return { rejection: 'statement_mismatch: the snippet declares no theorem whose statement is in the problem registry (this server checks registered statements only)', source: 'unregistered' };
  }
  const split = splitLeanFile(code, 'first');
  if (split === null) return { rejection: 'no_proof: the snippet declares no named `theorem`/`lemma` with `:=` (this server checks proofs of theorems, not arbitrary commands)', source: 'none' };
  const item: VerifyItem = { id, formal_statement: split.formal_statement, completion: code };
  if (split.header !== '') item.header = split.header;
  return { item, source: 'snippet' };
}

function kiminaMessage(m: LeanMessage): KiminaMessage {
  return {
    severity: m.severity,
    pos: { line: m.line, column: m.column },
    endPos: m.end_line === null ? null : { line: m.end_line, column: m.end_column ?? 0 },
    data: m.data,
  };
}

function prooflineError(data: string): KiminaMessage {
  return { severity: 'error', pos: { line: 1, column: 0 }, endPos: null, data: `proofline: ${data}` };
}

export function kiminaOutcome(result: ItemResult, source: StatementSource, problemId: string | null): KiminaOutcome {
  const proofline = { status: result.status, statement_source: source, problem_id: problemId, reason: result.reason, layer: result.layer };
  const time = result.lean_time_s;
  const messages = result.messages.map(kiminaMessage);
  switch (result.status) {
    case 'valid':
      return { time, response: { env: 0, messages }, proofline };
    case 'timeout':
      return { time, error: `Lean REPL command timed out (proofline: over the server's per-proof budget after ${time} s)`, proofline };
    case 'sorry': {
      const at = result.messages.find((m) => /sorry/u.test(m.data));
      const pos = at === undefined ? { line: 1, column: 0 } : { line: at.line, column: at.column };
      return { time, response: { env: 0, messages, sorries: [{ pos, endPos: null, goal: '' }] }, proofline };
    }
    default: {
      const hasError = messages.some((m) => m.severity === 'error');
      const why = [result.status, result.reason !== null && result.reason !== result.status ? result.reason : null, result.layer].filter((x) => x !== null).join(' at ');
      const extra = result.status === 'lean_error' && hasError ? [] : [prooflineError(`${why}${result.feedback !== '' ? `: ${result.feedback}` : ''}`)];
      return { time, response: { env: 0, messages: [...messages, ...extra] }, proofline };
    }
  }
}

async function checkAll(codes: readonly { code: string; problemId: string | undefined }[], deps: AdapterDeps, request: Parameters<typeof verifyOptions>[0], field: (i: number) => string): Promise<KiminaOutcome[]> {
  const plans = codes.map((c, i) => plan(i, c.code, c.problemId, deps));
  const items = plans.flatMap((p) => ('item' in p ? [p.item] : []));
  const results = await verifyInOrder(deps.service, items, verifyOptions(request, KIMINA_TIMEOUT_S));
  const byId = new Map(results.map((r) => [r.id, r]));
  requireEveryVerdict(results, (k) => field(Number((items[k] as VerifyItem).id)));
  return plans.map((p) => {
    if ('rejection' in p) {
      return { time: 0, response: { env: 0, messages: [prooflineError(p.rejection)] }, proofline: { status: p.rejection.split(':')[0] as string, statement_source: p.source, problem_id: null, reason: null, layer: null } };
    }
    return kiminaOutcome(byId.get(p.item.id) as ItemResult, p.source, p.item.problem_id ?? null);
  });
}

export async function kiminaRoutes(app: FastifyInstance, deps: AdapterDeps): Promise<void> {
  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/api/check', async (request) => {
    const body = parseBody(CheckSchema, request.body);
    const seen = new Set<string>();
    body.snippets.forEach((s, i) => {
      if (seen.has(s.id)) throw new InvalidFieldError(`snippets[${i}].id`, `expected unique snippet ids, got ${JSON.stringify(s.id)} twice`);
      seen.add(s.id);
    });
    const outcomes = await checkAll(body.snippets.map((s) => ({ code: s.code, problemId: s.problem_id })), deps, request, (i) => `snippets[${i}].problem_id`);
    return { results: outcomes.map((o, i) => ({ id: (body.snippets[i] as { id: string }).id, ...o })) };
  });

  const verify = async (request: Parameters<typeof verifyOptions>[0]) => {
    const body = parseBody(VerifySchema, request.body);
    const codes = body.codes.map((c, i) => {
      const code = c.proof ?? c.code;
      if (code === undefined || code === null) throw new InvalidFieldError(`codes[${i}].proof`, `expected \`proof\` or \`code\` for custom_id ${JSON.stringify(c.custom_id)}`);
      return { code, problemId: c.problem_id };
    });
    const outcomes = await checkAll(codes, deps, request, (i) => `codes[${i}].problem_id`);
    return {
      results: outcomes.map((o, i) => {
        const customId = String((body.codes[i] as { custom_id: string | number }).custom_id);
        return o.error !== undefined
          ? { custom_id: customId, error: o.error, proofline: o.proofline }
          : { custom_id: customId, response: { ...o.response, time: o.time }, proofline: o.proofline };
      }),
    };
  };
  app.post('/verify', verify);
  app.post('/one_pass_verify_batch', verify);
}
