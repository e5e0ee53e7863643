import type { PutResult } from '../sinks/sink.ts';

/** What the manifest records for each part. */
export interface PartInfo {
  key: string;
  bytes: number;
  sha256: string;
  rows: number;
}

export interface PartWriterOptions<Row> {
  /** Key up to the part number: `runs/<run-id>/sft/hf/data/train` → `…/train-00000-of-00002.parquet`. */
  keyPrefix: string;
  extension: 'parquet' | 'jsonl.gz';
  encode: (rows: Row[]) => Uint8Array;
  /** Rows buffered per part: memory is bounded by one part, whatever the number of rows. */
  rowsPerPart: number;
  /**
   * A part is also cut when its rows' JSON reaches this many bytes (default 8 MiB), so memory is
   * bounded in bytes however large the rows are (a canonical record carries the prompt, the
   * completion and the checked file). Cuts depend only on the row sequence: deterministic names.
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
 * Buffers rows and writes a part each time `rowsPerPart` are in. `write` resolves when the row is
 * buffered — or, when it completed a part, once that part is durable — so an awaiting producer
 * is slowed by the sink (backpressure). Not safe for concurrent `write` calls: await each one.
 */
export class PartWriter<Row> {
  private readonly options: PartWriterOptions<Row>;
  private buffer: Row[] = [];
  private bufferBytes = 0;
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
    if (totalRows !== undefined && this.written + this.buffer.length >= totalRows) {
      throw new Error(`Expected ${totalRows} rows for ${this.options.keyPrefix}, got more`);
    }
    this.buffer.push(row);
    this.bufferBytes += JSON.stringify(row).length;
    // With a known total the names count parts by rows (`-of-N`), so only rows cut them then.
    const isFull = this.options.totalRows === undefined && this.bufferBytes >= (this.options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES);
    if (this.buffer.length >= this.options.rowsPerPart || isFull) await this.flush();
  }

  /** Writes the last part and returns every part in order; no rows = no parts. */
  async finish(): Promise<PartInfo[]> {
    if (this.buffer.length > 0) await this.flush();
    const { totalRows } = this.options;
    if (totalRows !== undefined && this.written !== totalRows) {
      throw new Error(`Expected ${totalRows} rows for ${this.options.keyPrefix}, got ${this.written}`);
    }
    return [...this.parts];
  }

  private async flush(): Promise<void> {
    const rows = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    const key = partKey(this.options, this.parts.length);
    const result = await this.options.put(key, this.options.encode(rows));
    this.written += rows.length;
    this.parts.push({ key: result.key, bytes: result.bytes, sha256: result.sha256, rows: rows.length });
  }
}

const DEFAULT_MAX_PART_BYTES = 8 * 1024 * 1024;

export function partKey(options: Pick<PartWriterOptions<unknown>, 'keyPrefix' | 'extension' | 'rowsPerPart' | 'totalRows'>, index: number): string {
  const number = String(index).padStart(5, '0');
  if (options.totalRows === undefined) return `${options.keyPrefix}-${number}.${options.extension}`;
  const count = String(Math.max(1, Math.ceil(options.totalRows / options.rowsPerPart))).padStart(5, '0');
  return `${options.keyPrefix}-${number}-of-${count}.${options.extension}`;
}
