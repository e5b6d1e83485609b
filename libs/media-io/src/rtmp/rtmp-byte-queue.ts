/**
 * FIFO of received socket buffers. Lets the chunk reader parse headers that
 * straddle TCP reads without concatenating every incoming buffer: only the
 * few header bytes that actually span two buffers are copied.
 */
export class RtmpByteQueue {
  private readonly buffers: Buffer[] = [];
  private headOffset = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.buffers.push(data);
    this.total += data.length;
  }

  /**
   * Returns `n` contiguous bytes from the front without consuming them, or
   * undefined when fewer are queued. Copies only when they span buffers.
   */
  peek(n: number): Buffer | undefined {
    if (n > this.total) return undefined;
    const head = this.buffers[0];
    if (head === undefined) return n === 0 ? Buffer.alloc(0) : undefined;
    if (head.length - this.headOffset >= n) return head.subarray(this.headOffset, this.headOffset + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let offset = this.headOffset;
    for (const buf of this.buffers) {
      const take = Math.min(n - written, buf.length - offset);
      buf.copy(out, written, offset, offset + take);
      written += take;
      offset = 0;
      if (written === n) break;
    }
    return out;
  }

  /** Byte at `index` from the front without consuming or allocating (index must be < length). */
  byteAt(index: number): number {
    let i = index + this.headOffset;
    for (const buf of this.buffers) {
      if (i < buf.length) return buf[i] as number;
      i -= buf.length;
    }
    throw new RangeError(`byte ${index} requested, only ${this.total} queued`);
  }

  /** Big-endian unsigned integer of `bytes` (1..4) bytes at `index`. */
  uintAt(index: number, bytes: number): number {
    let value = 0;
    for (let i = 0; i < bytes; i++) value = value * 256 + this.byteAt(index + i);
    return value;
  }

  /** Drops `n` bytes from the front (n must not exceed length). */
  skip(n: number): void {
    this.consume(n, undefined, 0);
  }

  /** Moves `n` bytes from the front into `target` at `targetOffset`. */
  copyTo(target: Buffer, targetOffset: number, n: number): void {
    this.consume(n, target, targetOffset);
  }

  /** Removes and returns everything queued (used when the handshake hands over to the chunk layer). */
  drain(): Buffer {
    const out = this.peek(this.total) ?? Buffer.alloc(0);
    // peek may have returned a view of the head buffer; that is fine because we drop our references.
    this.buffers.length = 0;
    this.headOffset = 0;
    this.total = 0;
    return out;
  }

  private consume(n: number, target: Buffer | undefined, targetOffset: number): void {
    if (n > this.total) throw new RangeError(`cannot consume ${n} bytes, only ${this.total} queued`);
    let remaining = n;
    let out = targetOffset;
    while (remaining > 0) {
      const head = this.buffers[0] as Buffer;
      const available = head.length - this.headOffset;
      const take = Math.min(available, remaining);
      if (target !== undefined) head.copy(target, out, this.headOffset, this.headOffset + take);
      out += take;
      remaining -= take;
      if (take === available) {
        this.buffers.shift();
        this.headOffset = 0;
      } else {
        this.headOffset += take;
      }
    }
    this.total -= n;
  }
}
