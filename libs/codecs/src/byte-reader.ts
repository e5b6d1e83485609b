import { CodecError } from './codec-errors';

/** Builds the module-specific error a reader throws when input runs out. */
export type ErrorFactory = (message: string) => CodecError;

const defaultError: ErrorFactory = (message) => new CodecError(message);

/**
 * Bounds-checked big-endian cursor over a Buffer.
 *
 * Every read checks the remaining length first and throws the caller's typed
 * error, so parsers built on it never leak a RangeError from Buffer itself.
 */
export class ByteReader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly makeError: ErrorFactory = defaultError,
    /** Used in error messages, e.g. "AMF0 value". */
    private readonly what = 'data',
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  require(n: number): void {
    if (n > this.remaining) {
      throw this.makeError(`${this.what} truncated: need ${n} byte(s) at offset ${this.pos}, only ${this.remaining} left`);
    }
  }

  peekU8(): number {
    this.require(1);
    return this.buf[this.pos] as number;
  }

  u8(): number {
    this.require(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.require(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.require(3);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  /** Signed 24-bit (FLV CompositionTime). */
  s24(): number {
    this.require(3);
    const v = this.buf.readIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  s16(): number {
    this.require(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.require(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.require(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Zero-copy view of the next `n` bytes (shares memory with the input). */
  bytes(n: number): Buffer {
    this.require(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Decodes the next `n` bytes as UTF-8 (invalid sequences become U+FFFD). */
  utf8(n: number): string {
    this.require(n);
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.require(n);
    this.pos += n;
  }
}
