import type { PutResult } from '../sinks/sink.ts';

/** What the manifest records for each part. */
export interface PartInfo {
  key: string;
  bytes: number;
  sha256: string;
  rows: number;
}

/**
 * One part being encoded, row by row (JsonlGzPart, ParquetPart): rows are encoded as they arrive,
 * so a writer holds encoded (compressed) bytes rather than row objects.
 */
export interface PartEncoder<Row> {
  /**
   * Adds a row; returns the length of its JSON (what the byte cut counts), or a promise of it when
   * the encoder makes the producer wait (backpressure).
   */
  add(row: Row): number | Promise<number>;
  /** The part's bytes; the encoder is not used again. */
  finish(): Promise<Uint8Array>;
}

export interface PartWriterOptions<Row> {
  /** Key up to the part number: `runs/<run-id>/sft/hf/data/train` → `…/train-00000-of-00002.parquet`. */
  keyPrefix: string;
  extension: 'parquet' | 'jsonl.gz';
  /** A fresh encoder for each part. */
  encoder: () => PartEncoder<Row>;
  /** Rows per part at most. */
  rowsPerPart: number;
  /**
   * A part is also cut when its rows' JSON reaches this many characters (default 8 MiB), so a part
   * (and the compressed bytes held until it is put) is bounded however large the rows are. Cuts
   * depend only on the row sequence: deterministic names.
   */
  maxPartBytes?: number;
  /**
   * Rows the caller will write, when known (a counting pass): names then carry the part count
   * (`-00000-of-00002`, the Hugging Face convention); without it they are `-00000`. Either way a
   * rerun with the same rows writes the same keys, so a retry overwrites instead of duplicating.
   */
  totalRows?: number;
  /** The sink's `put` (pipeline/sinks/sink.ts). */
  put: (key: string, body: Uint8Array) => Promise<PutResult>;
}

/**
 * Streams rows into parts and puts each part when it is full. `write` resolves when the row is
 * encoded — or, when it completed a part, once that part is durable — so an awaiting producer is
 * slowed by the encoder and the sink (backpressure). Not safe for concurrent `write` calls: await
 * each one.
 */
export class PartWriter<Row> {
  private readonly options: PartWriterOptions<Row>;
  private part: PartEncoder<Row> | null = null;
  private partRows = 0;
  private partBytes = 0;
  private written = 0;
  private readonly parts: PartInfo[] = [];

  constructor(options: PartWriterOptions<Row>) {
    if (!Number.isInteger(options.rowsPerPart) || options.rowsPerPart < 1) {
      throw new RangeError(`Expected rowsPerPart to be a positive integer, got ${options.rowsPerPart}`);
    }
    this.options = options;
  }

  async write(row: Row): Promise<void> {
    const { totalRows } = this.options;
    if (totalRows !== undefined && this.written + this.partRows >= totalRows) {
      throw new Error(`Expected ${totalRows} rows for ${this.options.keyPrefix}, got more`);
    }
    this.part ??= this.options.encoder();
    const added = this.part.add(row);
    this.partRows += 1;
    this.partBytes += typeof added === 'number' ? added : await added;
    // With a known total the names count parts by rows (`-of-N`), so only rows cut them then.
    const isFull = totalRows === undefined && this.partBytes >= (this.options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES);
    if (this.partRows >= this.options.rowsPerPart || isFull) await this.flush();
  }

  /** Writes the last part and returns every part in order; no rows = no parts. */
  async finish(): Promise<PartInfo[]> {
    if (this.partRows > 0) await this.flush();
    const { totalRows } = this.options;
    if (totalRows !== undefined && this.written !== totalRows) {
      throw new Error(`Expected ${totalRows} rows for ${this.options.keyPrefix}, got ${this.written}`);
    }
    return [...this.parts];
  }

  private async flush(): Promise<void> {
    const part = this.part!;
    const rows = this.partRows;
    this.part = null;
    this.partRows = 0;
    this.partBytes = 0;
    const key = partKey(this.options, this.parts.length);
    const result = await this.options.put(key, await part.finish());
    this.written += rows;
    this.parts.push({ key: result.key, bytes: result.bytes, sha256: result.sha256, rows });
  }
}

const DEFAULT_MAX_PART_BYTES = 8 * 1024 * 1024;

/** Encodes rows as one part in one go (tests, small outputs). */
export async function encodePart<Row>(encoder: PartEncoder<Row>, rows: Iterable<Row>): Promise<Uint8Array> {
  for (const row of rows) await encoder.add(row);
  return encoder.finish();
}

export function partKey(options: Pick<PartWriterOptions<unknown>, 'keyPrefix' | 'extension' | 'rowsPerPart' | 'totalRows'>, index: number): string {
  const number = String(index).padStart(5, '0');
  if (options.totalRows === undefined) return `${options.keyPrefix}-${number}.${options.extension}`;
  const count = String(Math.max(1, Math.ceil(options.totalRows / options.rowsPerPart))).padStart(5, '0');
  return `${options.keyPrefix}-${number}-of-${count}.${options.extension}`;
}
