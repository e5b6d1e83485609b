/** Chunks at least this big are kept as-is (zero-copy). */
const SMALL_CHUNK_BYTES = 1024;
/** Small chunks are copied into blocks of this size. */
const STAGING_BYTES = 16 * 1024;

/**
 * FIFO of received chunks for streaming parsers.
 *
 * Large chunks are kept as-is instead of being concatenated on every push,
 * which would be O(n^2) for a big tag arriving in many TCP reads. Small
 * chunks are copied into shared staging blocks: otherwise a peer trickling a
 * 16 MiB tag one byte per segment would make us hold 16 million Buffer
 * objects (~100 bytes of heap each) for 16 MiB of data.
 *
 * Reads that fall inside one stored chunk are zero-copy views; reads spanning
 * chunks copy once.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Index of the first unread chunk (avoids O(n) Array.shift per chunk). */
  private first = 0;
  /** Read offset into chunks[first]. */
  private head = 0;
  private total = 0;
  /** Block that small chunks are appended to while it is the last stored chunk. */
  private staging: { block: Buffer; used: number; view: Buffer } | undefined;

  get length(): number {
    return this.total;
  }

  /** Number of stored chunks (exposed for memory diagnostics and tests). */
  get chunkCount(): number {
    return this.chunks.length - this.first;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    if (chunk.length >= SMALL_CHUNK_BYTES) {
      this.chunks.push(chunk);
      return;
    }
    const last = this.chunks.length - 1;
    const s = this.staging;
    if (s && last >= this.first && this.chunks[last] === s.view && s.used + chunk.length <= s.block.length) {
      // Bytes before `used` never change, so views already handed out stay valid.
      chunk.copy(s.block, s.used);
      s.used += chunk.length;
      s.view = s.block.subarray(0, s.used);
      this.chunks[last] = s.view;
      return;
    }
    const block = Buffer.allocUnsafe(STAGING_BYTES);
    chunk.copy(block, 0);
    this.staging = { block, used: chunk.length, view: block.subarray(0, chunk.length) };
    this.chunks.push(this.staging.view);
  }

  /** Byte at `index` from the read position, or undefined past the end. */
  peekU8(index: number): number | undefined {
    if (index < 0 || index >= this.total) return undefined;
    let i = index + this.head;
    for (let c = this.first; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Buffer;
      if (i < chunk.length) return chunk[i];
      i -= chunk.length;
    }
    return undefined;
  }

  /**
   * Removes and returns the next `n` bytes. The caller must check `length`
   * first; asking for more than is buffered is a programming error.
   */
  read(n: number): Buffer {
    if (n > this.total) {
      throw new Error(`ByteQueue.read(${n}) with only ${this.total} byte(s) buffered`);
    }
    if (n === 0) return Buffer.alloc(0);
    const front = this.chunks[this.first] as Buffer;
    if (front.length - this.head >= n) {
      const out = front.subarray(this.head, this.head + n);
      this.consume(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[this.first] as Buffer;
      const take = Math.min(n - written, chunk.length - this.head);
      chunk.copy(out, written, this.head, this.head + take);
      written += take;
      this.consume(take);
    }
    return out;
  }

  /** Discards up to `n` bytes; returns how many were discarded. */
  skip(n: number): number {
    const count = Math.min(n, this.total);
    let left = count;
    while (left > 0) {
      const chunk = this.chunks[this.first] as Buffer;
      const take = Math.min(left, chunk.length - this.head);
      this.consume(take);
      left -= take;
    }
    return count;
  }

  /** Advances within the front chunk, dropping it once fully read. */
  private consume(n: number): void {
    this.head += n;
    this.total -= n;
    const front = this.chunks[this.first];
    if (front === undefined || this.head < front.length) return;
    this.head = 0;
    this.first++;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 64 && this.first * 2 >= this.chunks.length) {
      // Compact occasionally so consumed chunks are released for GC.
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
