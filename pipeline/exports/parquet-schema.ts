import { ByteWriter, ParquetWriter, parquetWrite, type SchemaElement } from 'hyparquet-writer';
import type { PartEncoder } from './part-writer.ts';

/**
 * Parquet for the exports whose loaders expect it (HF/TRL SFT, verl), with NESTED columns — a
 * `messages`/`prompt` column is list<struct<role, content, …>>, `reward_model`/`extra_info` are
 * structs — not JSON strings: `datasets` loads them as lists of dicts, which is what chat templates
 * (TRL) and verl's RLHFDataset (`apply_chat_template(row["prompt"])`,
 * `row["reward_model"]["ground_truth"]`) index into; a JSON string would need a map step first.
 * Lists use the standard 3-level form (`<col>.list.element`) that pyarrow reads and writes.
 */
export type ParquetField =
  | { name: string; kind: 'string' | 'int32' | 'boolean'; nullable?: boolean }
  | { name: string; kind: 'struct'; fields: ParquetField[] }
  | { name: string; kind: 'list'; element: ParquetField[] };

export const text = (name: string, nullable = false): ParquetField => ({ name, kind: 'string', nullable });
export const int32 = (name: string): ParquetField => ({ name, kind: 'int32' });
export const bool = (name: string): ParquetField => ({ name, kind: 'boolean' });
export const struct = (name: string, fields: ParquetField[]): ParquetField => ({ name, kind: 'struct', fields });
export const listOf = (name: string, element: ParquetField[]): ParquetField => ({ name, kind: 'list', element });

/** The flattened Parquet schema (depth-first, `num_children` on groups) for top-level fields. */
export function parquetSchema(fields: readonly ParquetField[]): SchemaElement[] {
  return [{ name: 'root', num_children: fields.length }, ...fields.flatMap((f) => flatten(f))];
}

function flatten(field: ParquetField): SchemaElement[] {
  switch (field.kind) {
    case 'string':
      return [{ name: field.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: field.nullable ? 'OPTIONAL' : 'REQUIRED' }];
    case 'int32':
      return [{ name: field.name, type: 'INT32', repetition_type: 'REQUIRED' }];
    case 'boolean':
      return [{ name: field.name, type: 'BOOLEAN', repetition_type: 'REQUIRED' }];
    case 'struct':
      return [{ name: field.name, repetition_type: 'REQUIRED', num_children: field.fields.length }, ...field.fields.flatMap(flatten)];
    case 'list':
      return [
        { name: field.name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'REQUIRED', num_children: field.element.length },
        ...field.element.flatMap(flatten),
      ];
  }
}

/** Encodes rows (objects keyed by the top-level field names) as one Parquet file, Snappy-compressed. */
export function encodeParquet(fields: readonly ParquetField[], rows: readonly Record<string, unknown>[]): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema: parquetSchema(fields),
    columnData: fields.map((f) => ({ name: f.name, data: rows.map((row) => row[f.name]) })),
    createdBy: 'proofline',
  });
  return new Uint8Array(writer.getBuffer());
}

/**
 * Row groups of a streamed Parquet part: 1,000 rows (hyparquet-writer's first group by default, so
 * a part of up to 1,000 small rows has the same bytes as `encodeParquet`), or fewer once their JSON
 * reaches 2 MiB — the row objects waiting for their group are all a Parquet part holds besides its
 * encoded bytes.
 */
export const PARQUET_ROW_GROUP = { rows: 1000, chars: 2 * 1024 * 1024 };

/** One Parquet part encoded as rows arrive, a row group at a time (Snappy, nested columns as above). */
export class ParquetPart implements PartEncoder<Record<string, unknown>> {
  readonly #fields: readonly ParquetField[];
  readonly #bytes = new ByteWriter();
  readonly #parquet: ParquetWriter;
  #rows: Record<string, unknown>[] = [];
  #chars = 0;

  constructor(fields: readonly ParquetField[]) {
    this.#fields = fields;
    this.#parquet = new ParquetWriter({ writer: this.#bytes, schema: parquetSchema(fields), createdBy: 'proofline' });
  }

  add(row: Record<string, unknown>): number {
    const chars = JSON.stringify(row).length;
    this.#rows.push(row);
    this.#chars += chars;
    if (this.#rows.length >= PARQUET_ROW_GROUP.rows || this.#chars >= PARQUET_ROW_GROUP.chars) this.#writeGroup();
    return chars;
  }

  async finish(): Promise<Uint8Array> {
    this.#writeGroup();
    void this.#parquet.finish(); // ByteWriter: synchronous
    return new Uint8Array(this.#bytes.getBuffer());
  }

  #writeGroup(): void {
    const rows = this.#rows;
    if (rows.length === 0) return;
    this.#rows = [];
    this.#chars = 0;
    void this.#parquet.write({ columnData: this.#fields.map((f) => ({ name: f.name, data: rows.map((row) => row[f.name]) })), rowGroupSize: rows.length });
  }
}
