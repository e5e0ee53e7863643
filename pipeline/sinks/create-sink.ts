import { FsSink } from './fs-sink.ts';
import { DEFAULT_S3_CONFIG, type S3Config } from './s3-config.ts';
import { S3Sink, type S3SinkDeps } from './s3-sink.ts';
import type { Sink } from './sink.ts';
import { parseSinkUri } from './sink-uri.ts';

export interface CreateSinkOptions extends S3SinkDeps {
  /** The config's `s3:` section; used only for `s3://` URIs. */
  s3?: S3Config;
  /** Base of relative paths such as `./out`; defaults to the process's working directory. */
  cwd?: string;
}

/**
 * The sink an output URI names: `./out`, `/abs/out`, `file:///abs/out` → FsSink;
 * `s3://bucket/prefix` → S3Sink. Anything else is CONFIG_INVALID.
 */
export function createSink(uri: string, options: CreateSinkOptions = {}): Sink {
  const location = parseSinkUri(uri, 'the output location', options.cwd ?? process.cwd());
  if (location.kind === 'fs') return new FsSink(location.path);
  return new S3Sink(location, options.s3 ?? DEFAULT_S3_CONFIG, options);
}
