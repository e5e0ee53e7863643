/** Keeps the last `capacityBytes` bytes pushed into it. */
export class TailBuffer {
  readonly capacityBytes: number;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (this.#bytes > 2 * this.capacityBytes) this.#compact();
  }

  text(): string {
    this.#compact();
    return this.#chunks[0]?.toString('utf8') ?? '';
  }

  #compact(): void {
    const all = Buffer.concat(this.#chunks);
    const tail = all.length > this.capacityBytes ? all.subarray(all.length - this.capacityBytes) : all;
    this.#chunks = tail.length > 0 ? [Buffer.from(tail)] : [];
    this.#bytes = tail.length;
  }
}
