import { type ErrorCode, ProoflineError } from '../errors.ts';
import { codeForHttpStatus, NETWORK_ERROR_CODES } from './http-status.ts';

/** Bedrock Runtime error names (the SDK error's `name`, from the `x-amzn-errortype` header). */
const CODE_BY_NAME: Record<string, ErrorCode> = {
  ThrottlingException: 'SAMPLER_THROTTLED',
  ServiceQuotaExceededException: 'SAMPLER_THROTTLED',
  ServiceUnavailableException: 'SAMPLER_UNAVAILABLE',
  InternalServerException: 'SAMPLER_UNAVAILABLE',
  InternalFailure: 'SAMPLER_UNAVAILABLE',
  ModelNotReadyException: 'SAMPLER_UNAVAILABLE',
  ModelTimeoutException: 'SAMPLER_TIMEOUT',
  TimeoutError: 'SAMPLER_TIMEOUT',
  ModelErrorException: 'SAMPLER_MODEL_ERROR',
  ValidationException: 'SAMPLER_REQUEST_INVALID',
  AccessDeniedException: 'SAMPLER_ACCESS_DENIED',
  UnrecognizedClientException: 'SAMPLER_ACCESS_DENIED',
  InvalidSignatureException: 'SAMPLER_ACCESS_DENIED',
  ExpiredTokenException: 'SAMPLER_ACCESS_DENIED',
  CredentialsProviderError: 'SAMPLER_ACCESS_DENIED',
  ResourceNotFoundException: 'SAMPLER_MODEL_NOT_FOUND',
};

const HINTS: Partial<Record<ErrorCode, string>> = {
  SAMPLER_ACCESS_DENIED: 'check AWS credentials, the IAM permission bedrock:InvokeModel on this model/inference profile, and that model access is enabled in the Bedrock console for this region',
  SAMPLER_MODEL_NOT_FOUND: 'check sampler.bedrock.model_id (inference profiles look like `us.<provider>.<model>`) and sampler.bedrock.region',
  SAMPLER_REQUEST_INVALID: 'check sampler.bedrock.max_tokens, additional_model_request_fields and the prompt size against this model',
};

/**
 * Maps an error thrown by `client.send(ConverseCommand)` to a ProoflineError, by the SDK error's
 * `name`, then `$metadata.httpStatusCode`, then a Node network `code`; never by message text.
 * Errors that are none of these (bugs) are returned unchanged.
 */
export function classifyBedrockError(error: unknown, context: { modelId: string; region: string }): unknown {
  if (error instanceof ProoflineError || typeof error !== 'object' || error === null) return error;
  const { name, code: systemCode, $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const status = $metadata?.httpStatusCode;
  let code: ErrorCode | null = (name !== undefined ? CODE_BY_NAME[name] : undefined) ?? (status !== undefined ? codeForHttpStatus(status) : null);
  if (code === null && systemCode !== undefined && NETWORK_ERROR_CODES.has(systemCode)) code = 'SAMPLER_UNAVAILABLE';
  if (code === null) return error;
  const label = [name, status === undefined ? null : `HTTP ${status}`, systemCode].filter(Boolean).join(', ');
  const hint = HINTS[code];
  const message = `Bedrock Converse for model ${context.modelId} in ${context.region} failed (${label}): ${(error as Error).message}${hint ? `; ${hint}` : ''}`;
  return new ProoflineError(code, message, {
    cause: error,
    details: { backend: 'bedrock', errorName: name ?? null, httpStatus: status ?? null, requestId: $metadata?.requestId ?? null },
  });
}
