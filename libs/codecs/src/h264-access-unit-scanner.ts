/**
 * Finds where H.264 access units (frames) begin in an Annex B byte stream
 * that arrives in arbitrary chunks — e.g. `screenrecord --output-format=h264`
 * over adb, which has no container and no timestamps.
 *
 * An access unit begins (H.264 7.4.1.2.3) at the first NAL unit of the
 * stream, and after a VCL NAL unit at an AUD/SEI/SPS/PPS (types 6–9, 14–18)
 * or at a slice whose first_mb_in_slice is 0 (its first payload bit is 1).
 *
 * Memory is constant: the scanner keeps at most the last 4 bytes of a chunk
 * (a start code and header split across chunks), whatever the input.
 */
export class H264AccessUnitScanner {
  private tail: Buffer = Buffer.alloc(0);
  /** Absolute stream offset of tail[0]. */
  private base = 0;
  private sawNalu = false;
  private prevVcl = false;
  private count = 0;

  /** Access units begun so far. */
  get accessUnits(): number {
    return this.count;
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.base + this.tail.length;
  }

  /**
   * Scans `chunk`; returns the absolute stream offsets (counted from the
   * first byte ever pushed) of the `00 00 01` start codes that begin an
   * access unit and were completed by this chunk. A boundary can be reported
   * up to 4 bytes after its start code, i.e. in the chunk after it began.
   */
  push(chunk: Buffer): number[] {
    const data = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const found: number[] = [];
    // Position i needs bytes i..i+4 (start code, NAL header, first slice byte).
    const end = data.length - 4;
    let i = 0;
    while (i < end) {
      const b2 = data[i + 2] as number;
      if (b2 > 1) {
        i += 3;
        continue;
      }
      if (b2 === 1 && data[i] === 0 && data[i + 1] === 0) {
        if (this.onNalu(data[i + 3] as number, data[i + 4] as number)) found.push(this.base + i);
        i += 3;
        continue;
      }
      i++;
    }
    const keep = Math.min(data.length, Math.max(0, data.length - i));
    this.base += data.length - keep;
    this.tail = Buffer.from(data.subarray(data.length - keep));
    return found;
  }

  private onNalu(header: number, next: number): boolean {
    const type = header & 0x1f;
    const vcl = type === 1 || type === 5;
    let begins: boolean;
    if (!this.sawNalu) begins = true;
    else if (vcl) begins = this.prevVcl && (next & 0x80) !== 0;
    else begins = this.prevVcl && ((type >= 6 && type <= 9) || (type >= 14 && type <= 18));
    this.sawNalu = true;
    if (vcl) this.prevVcl = true;
    else if (begins || type === 9 || type === 7 || type === 8 || type === 6) this.prevVcl = false;
    if (begins) this.count++;
    return begins;
  }
}
