import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ProoflineError } from '../errors.ts';
import { hashRequest } from './request-hash.ts';
import type { ReplaySamplerConfig, ReplaySource } from './sampler-config.ts';
import type { Completion, PreparedRequest, SampleInput, Sampler } from './sampler.ts';

interface RecordedCompletion {
  text: string;
  model: string;
  /** `path:line`, so a record can be traced back to the recorded row. */
  origin: string;
}

/**
 * Recorded completions (e.g. datasets/attempts/) served as if a model answered: sample k of a
 * problem is the k-th row with that `problem_id`, over the sources in config order. No prompt is
 * sent, nothing is paid, nothing is cached; a missing (problem, k) is REPLAY_MISSING.
 */
export async function loadReplaySampler(config: ReplaySamplerConfig, options: { cwd: string }): Promise<Sampler> {
  if (config.sources.length === 0) {
    throw new ProoflineError('CONFIG_INVALID', '`sampler.replay.sources` is empty; expected at least one JSONL file of recorded completions');
  }
  const byProblem = new Map<string, RecordedCompletion[]>();
  for (const source of config.sources) {
    for (const recorded of await readSource(source, options.cwd)) {
      const list = byProblem.get(recorded.problemId) ?? [];
      list.push(recorded);
      byProblem.set(recorded.problemId, list);
    }
  }
  return {
    kind: 'replay',
    model: 'replay',
    isCacheable: false,
    prepare(input: SampleInput): PreparedRequest {
      const recorded = byProblem.get(input.problem.id)?.[input.sampleIndex];
      const body = { problem_id: input.problem.id, sample_index: input.sampleIndex, origin: recorded?.origin ?? null };
      return { problemId: input.problem.id, sampleIndex: input.sampleIndex, hash: hashRequest({ kind: 'replay', model: recorded?.model ?? 'replay', sampleIndex: input.sampleIndex, body }), seed: null, reservedTokens: 0, body };
    },
    async send(request: PreparedRequest): Promise<Completion> {
      const recorded = byProblem.get(request.problemId);
      const row = recorded?.[request.sampleIndex];
      if (row === undefined) {
        throw new ProoflineError('REPLAY_MISSING', `No recorded completion #${request.sampleIndex} for problem ${request.problemId}: the replay sources hold ${recorded?.length ?? 0} for it`, {
          details: { problemId: request.problemId, sampleIndex: request.sampleIndex, recorded: recorded?.length ?? 0 },
        });
      }
      return { text: row.text, reasoning: null, reasoningRedacted: false, stopReason: 'recorded', truncated: false, usage: { inputTokens: 0, outputTokens: 0 }, model: row.model, latencyMs: 0 };
    },
    async close() {},
  };
}

async function readSource(source: ReplaySource, cwd: string): Promise<Array<RecordedCompletion & { problemId: string }>> {
  const path = resolve(cwd, source.path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ProoflineError('CONFIG_INVALID', `Cannot read replay source ${source.path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause });
  }
  const rows: Array<RecordedCompletion & { problemId: string }> = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `${source.path}:${index + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (cause) {
      throw new ProoflineError('INPUT_INVALID', `${where}: expected a JSON object per line (${(cause as Error).message})`, { cause });
    }
    const problemId = row.problem_id;
    const value = row[source.text_field];
    if (typeof problemId !== 'string' || problemId === '') throw new ProoflineError('INPUT_INVALID', `${where}: expected a string \`problem_id\`, got ${JSON.stringify(problemId)}`);
    if (typeof value !== 'string') throw new ProoflineError('INPUT_INVALID', `${where}: expected a string \`${source.text_field}\` (sampler.replay.sources[].text_field), got ${JSON.stringify(value ?? null)}`);
    const completion = source.lean_file ? `\`\`\`lean4\n${value.trimEnd()}\n\`\`\`` : value;
    rows.push({ problemId, text: completion, model: typeof row.model === 'string' ? row.model : 'replay', origin: where });
  }
  return rows;
}
