import type { ErrorFactory } from './byte-reader';
import { CodecError } from './codec-errors';

const defaultError: ErrorFactory = (message) => new CodecError(message);

/**
 * MSB-first bit reader with Exp-Golomb support, for H.264 RBSPs and AAC
 * AudioSpecificConfig. Reads past the end throw the caller's typed error.
 *
 * Arithmetic uses plain Numbers rather than 32-bit bitwise ops so 32-bit
 * fields and ue(v) values up to 2^32-2 stay unsigned and exact.
 */
export class BitReader {
  private bitPos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly makeError: ErrorFactory = defaultError,
    private readonly what = 'bitstream',
  ) {}

  get bitsLeft(): number {
    return this.buf.length * 8 - this.bitPos;
  }

  get bitOffset(): number {
    return this.bitPos;
  }

  private require(n: number): void {
    if (n > this.bitsLeft) {
      throw this.makeError(`${this.what} truncated: need ${n} bit(s) at bit ${this.bitPos}, only ${this.bitsLeft} left`);
    }
  }

  readBit(): number {
    this.require(1);
    const byte = this.buf[this.bitPos >>> 3] as number;
    const bit = (byte >>> (7 - (this.bitPos & 7))) & 1;
    this.bitPos++;
    return bit;
  }

  readFlag(): boolean {
    return this.readBit() === 1;
  }

  /** Reads an unsigned field of 0..32 bits. */
  readBits(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > 32) {
      throw new RangeError(`BitReader.readBits supports 0..32 bits, got ${n}`);
    }
    this.require(n);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.bitPos >>> 3] as number;
      value = value * 2 + ((byte >>> (7 - (this.bitPos & 7))) & 1);
      this.bitPos++;
    }
    return value;
  }

  skipBits(n: number): void {
    this.require(n);
    this.bitPos += n;
  }

  /** ue(v). More than 31 leading zeros cannot encode a 32-bit value: reject. */
  readUe(): number {
    let leadingZeros = 0;
    while (this.readBit() === 0) {
      leadingZeros++;
      if (leadingZeros > 31) {
        throw this.makeError(`${this.what}: Exp-Golomb code longer than 32 bits at bit ${this.bitPos}`);
      }
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  /** se(v): maps ue 0,1,2,3,4 to 0,1,-1,2,-2. */
  readSe(): number {
    const k = this.readUe();
    return k % 2 === 1 ? (k + 1) / 2 : 0 - k / 2; // 0 - x, not -x, so ue 0 gives 0 rather than -0
  }
}
