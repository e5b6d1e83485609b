/**
 * MSB-first bit writer for building bitstreams in tests (H.264 SPS, AAC
 * AudioSpecificConfig). Test-only: production code only reads bitstreams.
 */
export class BitWriter {
  private readonly bits: number[] = [];

  get bitLength(): number {
    return this.bits.length;
  }

  bit(v: boolean | number): this {
    this.bits.push(v ? 1 : 0);
    return this;
  }

  /** Unsigned value in `n` bits (n ≤ 32). */
  u(n: number, value: number): this {
    if (value < 0 || value >= 2 ** n) throw new RangeError(`${value} does not fit in ${n} bits`);
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const codeNum = value + 1;
    const length = Math.floor(Math.log2(codeNum));
    for (let i = 0; i < length; i++) this.bits.push(0);
    return this.u(length + 1, codeNum);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits(): a 1 then zeros to the byte boundary. */
  trailing(): this {
    this.bits.push(1);
    while (this.bits.length % 8 !== 0) this.bits.push(0);
    return this;
  }

  /** Zero-pads to a whole byte. */
  toBuffer(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((b, i) => {
      if (b) out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
    });
    return out;
  }
}
