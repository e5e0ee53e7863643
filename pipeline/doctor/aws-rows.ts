import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { SamplerConfig } from '../sample/sampler-config.ts';
import { fail, ok, skipped, warn, type DoctorRow } from './doctor-row.ts';

export interface AwsRowsOptions {
  /** `--s3 s3://bucket/prefix`, or null: S3 is not configured anywhere yet. */
  s3Uri: string | null;
  /** AWS_REGION / AWS_DEFAULT_REGION / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, read by the worker. */
  awsEnv: { region?: string | undefined; s3Endpoint?: string | undefined };
  /** Deadline of each network probe and of the credential chain. */
  timeoutMs?: number;
}

const CREDENTIALS_FIX = 'give the default AWS chain credentials: `AWS_PROFILE=…` (after `aws sso login` / `aws configure`), AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, or an instance/task role';

/**
 * AWS rows, only for what is configured: credentials (the SDK's default chain, as the Bedrock
 * sampler resolves them), region, Bedrock endpoint reachability (an HTTP request with a deadline;
 * any HTTP answer means reachable — no model is invoked), S3 reachability for `--s3`.
 */
export async function awsRows(sampler: SamplerConfig, options: AwsRowsOptions): Promise<DoctorRow[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const bedrock = sampler.kind === 'bedrock' ? (sampler.bedrock ?? null) : null;
  const s3 = options.s3Uri === null ? null : parseS3Uri(options.s3Uri);
  if (bedrock === null && s3 === null) {
    return [
      skipped('AWS credentials', `not needed: sampler.kind is ${sampler.kind} and no --s3 was given`),
      skipped('Bedrock', `not configured (sampler.kind is ${sampler.kind})`),
      skipped('S3', 'no S3 output is configured yet; pass --s3 s3://bucket/prefix to check one'),
    ];
  }
  const region = bedrock?.region ?? options.awsEnv.region ?? 'us-east-1';
  const rows: DoctorRow[] = [await credentialsRow(region, bedrock?.endpoint ?? null, timeoutMs)];
  rows.push(/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? ok('AWS region', region) : warn('AWS region', `${region} does not look like an AWS region (e.g. us-east-1)`, 'set `sampler.bedrock.region`'));
  if (bedrock === null) rows.push(skipped('Bedrock', `not configured (sampler.kind is ${sampler.kind})`));
  else {
    const endpoint = bedrock.endpoint ?? `https://bedrock-runtime.${region}.amazonaws.com`;
    const reach = await reachable(endpoint, 'GET', timeoutMs);
    rows.push(
      reach.ok
        ? ok('Bedrock', `${endpoint} reachable (HTTP ${reach.status} in ${reach.elapsedMs} ms; model ${bedrock.model_id})`)
        : fail('Bedrock', `cannot reach ${endpoint}: ${reach.error}`, 'check the network, proxy or VPC endpoint, and `sampler.bedrock.region` / `sampler.bedrock.endpoint`'),
    );
  }
  if (s3 === null) rows.push(skipped('S3', 'no S3 output is configured yet; pass --s3 s3://bucket/prefix to check one'));
  else if ('error' in s3) rows.push(fail('S3', s3.error, 'pass --s3 s3://bucket/prefix'));
  else rows.push(await s3Row(s3, region, options.awsEnv.s3Endpoint, timeoutMs));
  return rows;
}

async function credentialsRow(region: string, endpoint: string | null, timeoutMs: number): Promise<DoctorRow> {
  let client: BedrockRuntimeClient | null = null;
  try {
    client = new BedrockRuntimeClient({ region, maxAttempts: 1, ...(endpoint === null ? {} : { endpoint }) });
    const credentials = await withDeadline(client.config.credentials(), timeoutMs, 'the credential chain');
    const expires = credentials.expiration === undefined ? '' : `, expires ${credentials.expiration.toISOString()}`;
    return ok('AWS credentials', `access key …${credentials.accessKeyId.slice(-4)}${credentials.sessionToken === undefined ? '' : ' (temporary)'}${expires}`);
  } catch (error) {
    return fail('AWS credentials', `the default credential chain found none: ${(error as Error).message.split('\n', 1)[0]}`, CREDENTIALS_FIX);
  } finally {
    client?.destroy();
  }
}

function parseS3Uri(uri: string): { bucket: string; prefix: string } | { error: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  return match === null ? { error: `expected --s3 s3://bucket/prefix, got ${JSON.stringify(uri)}` } : { bucket: match[1]!, prefix: match[2] ?? '' };
}

async function s3Row(target: { bucket: string; prefix: string }, region: string, endpointOverride: string | undefined, timeoutMs: number): Promise<DoctorRow> {
  const url = endpointOverride === undefined ? `https://${target.bucket}.s3.${region}.amazonaws.com/` : `${endpointOverride.replace(/\/$/, '')}/${target.bucket}`;
  const reach = await reachable(url, 'HEAD', timeoutMs);
  const where = `s3://${target.bucket}/${target.prefix}`;
  if (!reach.ok) return fail('S3', `cannot reach ${url}: ${reach.error}`, 'check the network, proxy or VPC endpoint (AWS_ENDPOINT_URL_S3 overrides the endpoint)');
  if (reach.status === 404) return fail('S3', `${where}: ${url} answered 404 (no such bucket)`, 'create the bucket or fix the --s3 URI');
  // An unsigned HEAD: 403 means the bucket exists and needs credentials; 301 means another region.
  if (reach.status === 301) return warn('S3', `${where}: the bucket is in another region than ${region} (HTTP 301)`, 'set AWS_REGION to the bucket\'s region');
  return ok('S3', `${where} reachable (HTTP ${reach.status} to an unsigned HEAD in ${reach.elapsedMs} ms)`);
}

type Reach = { ok: true; status: number; elapsedMs: number } | { ok: false; error: string };

/** Any HTTP answer within the deadline is reachable; refusal, DNS failure, TLS failure or the deadline is not. */
async function reachable(url: string, method: 'GET' | 'HEAD', timeoutMs: number): Promise<Reach> {
  const started = performance.now();
  try {
    const response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return { ok: true, status: response.status, elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    const why = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, error: why };
  }
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
