/**
 * Where a build writes its outputs: a local directory or an S3 prefix, behind one contract so that
 * the build never knows which (DESIGN.md "Build runs": the layout is identical on both).
 *
 * Keys are relative, `/`-separated paths under the sink's root (`runs/<run-id>/records/part-00000.jsonl.gz`).
 * Every write REPLACES the object at its key (parts have deterministic names, so a retried or
 * resumed write overwrites instead of duplicating) and resolves only once the object is durable
 * and complete: a reader never sees a half-written object under its final key.
 */
export interface Sink {
  /** `file:///abs/dir` or `s3://bucket/prefix`, for logs, stats and the dataset card. */
  readonly uri: string;
  /** Writes (replaces) one object. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<PutResult>;
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes one object; no error when it is absent. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface PutOptions {
  contentType?: string;
}

export interface PutResult {
  key: string;
  bytes: number;
  /** Hex sha256 of the bytes written (the manifest records it). */
  sha256: string;
}
