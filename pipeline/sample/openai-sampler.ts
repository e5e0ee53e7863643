import { ProoflineError } from '../errors.ts';
import { codeForHttpStatus, NETWORK_ERROR_CODES } from './http-status.ts';
import { readChatCompletion } from './chat-completion-response.ts';
import { hashRequest } from './request-hash.ts';
import type { OpenAiSamplerConfig } from './sampler-config.ts';
import type { Completion, PreparedRequest, SampleInput, Sampler } from './sampler.ts';

export interface OpenAiSamplerDeps {
  /** The API key (the worker reads it from the env var named by `api_key_env`); null = none. */
  apiKey: string | null;
  now?: () => number;
  fetch?: typeof fetch;
}

/**
 * Any OpenAI-compatible `POST {base_url}/chat/completions` (vLLM, SGLang, Ollama, hosted APIs).
 * One request per sample (never `n > 1`), so every sample has its own seed and cache entry.
 */
export function createOpenAiSampler(config: OpenAiSamplerConfig, deps: OpenAiSamplerDeps): Sampler {
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  const url = `${config.base_url.replace(/\/+$/u, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (deps.apiKey !== null) headers.authorization = `Bearer ${deps.apiKey}`;

  return {
    kind: 'openai',
    model: config.model,
    isCacheable: true,
    prepare(input: SampleInput): PreparedRequest {
      const seed = config.seed === null ? null : config.seed + input.sampleIndex;
      const body: Record<string, unknown> = {
        ...structuredClone(config.extra_body),
        model: config.model,
        messages: [
          { role: 'system', content: input.prompt.system },
          { role: 'user', content: input.prompt.user },
        ],
        max_tokens: config.max_tokens,
        ...(config.temperature === null ? {} : { temperature: config.temperature }),
        ...(config.top_p === null ? {} : { top_p: config.top_p }),
        ...(config.stop_sequences.length === 0 ? {} : { stop: [...config.stop_sequences] }),
        ...(seed === null ? {} : { seed }),
      };
      return {
        problemId: input.problem.id,
        sampleIndex: input.sampleIndex,
        hash: hashRequest({ kind: 'openai', model: config.model, sampleIndex: input.sampleIndex, body }),
        seed,
        reservedTokens: input.prompt.estimatedTokens + config.max_tokens,
        body,
      };
    },
    async send(request: PreparedRequest, signal: AbortSignal): Promise<Completion> {
      const startedAt = now();
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(request.body), signal });
        text = await response.text();
      } catch (error) {
        const code = ((error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code) as string | undefined;
        if (code !== undefined && NETWORK_ERROR_CODES.has(code)) {
          throw new ProoflineError('SAMPLER_UNAVAILABLE', `Cannot reach ${url} (${code}) for model ${config.model}`, { cause: error, details: { backend: 'openai', systemCode: code } });
        }
        throw error; // aborts (timeout, shutdown) are classified by the caller that owns the signal
      }
      if (!response.ok) throw httpError(response, text, url, config.model);
      return readChatCompletion(text, { url, configuredModel: config.model, latencyMs: now() - startedAt });
    },
    async close() {},
  };
}

function httpError(response: Response, body: string, url: string, model: string): ProoflineError {
  const code = codeForHttpStatus(response.status) ?? 'SAMPLER_UNAVAILABLE';
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
  const excerpt = body.length > 300 ? `${body.slice(0, 297)}...` : body;
  return new ProoflineError(code, `POST ${url} for model ${model} answered HTTP ${response.status}: ${excerpt}`, {
    details: { backend: 'openai', httpStatus: response.status, ...(retryAfterMs === null ? {} : { retryAfterMs }) },
  });
}

/** `Retry-After` is delta-seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | null, nowMs = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
