/**
 * Growable big-endian output buffer for encoders whose output size is not
 * known up front (AMF0). Doubling keeps appends amortised O(1).
 */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    const needed = this.len + n;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
  }

  u16(v: number): void {
    this.reserve(2);
    this.len = this.buf.writeUInt16BE(v, this.len);
  }

  s16(v: number): void {
    this.reserve(2);
    this.len = this.buf.writeInt16BE(v, this.len);
  }

  u32(v: number): void {
    this.reserve(4);
    this.len = this.buf.writeUInt32BE(v, this.len);
  }

  f64(v: number): void {
    this.reserve(8);
    this.len = this.buf.writeDoubleBE(v, this.len);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Returns an exact-size copy so the writer's spare capacity is not retained. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
