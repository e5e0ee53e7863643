import { describe, expect, test } from 'vitest';
import { ProoflineError } from '../../../pipeline/errors.ts';
import { classifyBedrockError } from '../../../pipeline/sample/bedrock-errors.ts';

const context = { modelId: 'us.model:0', region: 'us-west-2' };
const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error('whatever the text says'), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status, requestId: 'r1' } }), ...extra });

describe('classifyBedrockError', () => {
  test.each([
    ['ThrottlingException', 429, 'SAMPLER_THROTTLED', true],
    ['ServiceUnavailableException', 503, 'SAMPLER_UNAVAILABLE', true],
    ['ModelNotReadyException', 429, 'SAMPLER_UNAVAILABLE', true],
    ['InternalServerException', 500, 'SAMPLER_UNAVAILABLE', true],
    ['ModelTimeoutException', 408, 'SAMPLER_TIMEOUT', true],
    ['ModelErrorException', 424, 'SAMPLER_MODEL_ERROR', false],
    ['ValidationException', 400, 'SAMPLER_REQUEST_INVALID', false],
    ['AccessDeniedException', 403, 'SAMPLER_ACCESS_DENIED', false],
    ['ResourceNotFoundException', 404, 'SAMPLER_MODEL_NOT_FOUND', false],
    ['SomeFutureException', 503, 'SAMPLER_UNAVAILABLE', true],
    ['SomeFutureException', 429, 'SAMPLER_THROTTLED', true],
  ])('%s (HTTP %i) → %s, retryable %s', (name, status, code, retryable) => {
    const error = classifyBedrockError(sdkError(name, status), context) as ProoflineError;
    expect(error).toMatchObject({ code, retryable, details: { errorName: name, httpStatus: status, requestId: 'r1' } });
    expect(error.message).toContain('us.model:0 in us-west-2');
  });

  test('classifies by name, never by message text', () => {
    const error = classifyBedrockError(Object.assign(new Error('ThrottlingException: Too many requests'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }), context);
    expect((error as ProoflineError).code).toBe('SAMPLER_REQUEST_INVALID');
  });

  test('a connection failure (Node system code) is SAMPLER_UNAVAILABLE; an SDK stream timeout is SAMPLER_TIMEOUT', () => {
    expect((classifyBedrockError(sdkError('Error', undefined, { code: 'ECONNREFUSED' }), context) as ProoflineError).code).toBe('SAMPLER_UNAVAILABLE');
    expect((classifyBedrockError(sdkError('TimeoutError'), context) as ProoflineError).code).toBe('SAMPLER_TIMEOUT');
  });

  test('missing credentials are an access error with a hint about IAM and model access', () => {
    const error = classifyBedrockError(sdkError('CredentialsProviderError'), context) as ProoflineError;
    expect(error.code).toBe('SAMPLER_ACCESS_DENIED');
    expect(error.message).toContain('model access is enabled');
  });

  test('an unknown error without status or system code (a bug, an abort) is returned unchanged', () => {
    const abort = sdkError('AbortError');
    expect(classifyBedrockError(abort, context)).toBe(abort);
  });
});
