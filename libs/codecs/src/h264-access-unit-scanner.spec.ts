import fc from 'fast-check';
import { H264AccessUnitScanner } from './h264-access-unit-scanner';

const SC4 = [0, 0, 0, 1];
const SC3 = [0, 0, 1];
/** NAL units of a small stream: [bytes, beginsAccessUnit]. */
function stream(): { bytes: Buffer; starts: number[] } {
  const nalus: Array<[number[], boolean]> = [
    [[...SC4, 0x67, 0x42, 0x00, 0x1e], true], // SPS: first NAL
    [[...SC4, 0x68, 0xce, 0x3c, 0x80], false], // PPS
    [[...SC3, 0x06, 0x05, 0x01, 0x80], false], // SEI (before the first slice: same AU)
    [[...SC3, 0x65, 0x88, 0x84, 0x21, 0xa0], false], // IDR slice, first_mb 0 (first bit 1)
    [[...SC3, 0x65, 0x40, 0x11, 0x22], false], // second slice of the same picture (first_mb != 0)
    [[...SC3, 0x41, 0x9a, 0x02, 0x03], true], // P slice, first_mb 0: new AU
    [[...SC4, 0x41, 0x9a, 0x04, 0x05, 0x00, 0x00, 0x03, 0x01], true], // another (with emulation prevention)
    [[...SC3, 0x09, 0xf0], true], // AUD after a VCL NAL: new AU
    [[...SC3, 0x41, 0x9a, 0x06], false], // its slice
    [[...SC4, 0x67, 0x42, 0x00, 0x1e], true], // SPS after VCL (a repeated header before an IDR)
    [[...SC4, 0x68, 0xce], false],
    [[...SC3, 0x65, 0xb8, 0x00, 0x10, 0x20, 0x30], false],
  ];
  const parts: number[] = [];
  const starts: number[] = [];
  for (const [bytes, begins] of nalus) {
    const sc = bytes[2] === 1 ? parts.length : parts.length + 1;
    if (begins) starts.push(sc);
    parts.push(...bytes);
  }
  return { bytes: Buffer.from(parts), starts };
}

function scanInChunks(data: Buffer, cuts: number[]): number[] {
  const scanner = new H264AccessUnitScanner();
  const found: number[] = [];
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    found.push(...scanner.push(data.subarray(at, cut)));
    at = cut;
  }
  found.push(...scanner.push(data.subarray(at)));
  // The last NAL's boundary needs 4 more bytes to be seen; a stream is always followed by more in practice.
  found.push(...scanner.push(Buffer.alloc(8, 0xff)));
  return found;
}

describe('H264AccessUnitScanner', () => {
  it('reports the start codes that begin access units', () => {
    const { bytes, starts } = stream();
    expect(scanInChunks(bytes, [])).toEqual(starts);
  });

  it('counts access units and bytes', () => {
    const { bytes, starts } = stream();
    const scanner = new H264AccessUnitScanner();
    scanner.push(bytes);
    scanner.push(Buffer.alloc(8, 0xff));
    expect(scanner.accessUnits).toBe(starts.length);
    expect(scanner.bytes).toBe(bytes.length + 8);
  });

  describe('when a start code and header are split across chunks', () => {
    it('reports the same offsets, one byte at a time', () => {
      const { bytes, starts } = stream();
      expect(scanInChunks(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(starts);
    });

    it('reports the same offsets for any chunking (property)', () => {
      const { bytes, starts } = stream();
      fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 20 }), (cuts) => {
        expect(scanInChunks(bytes, cuts)).toEqual(starts);
      }));
    });
  });

  describe('when the input is not H.264', () => {
    it('never throws and keeps at most 4 bytes between chunks (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
          const scanner = new H264AccessUnitScanner();
          let total = 0;
          for (const c of chunks) {
            const offsets = scanner.push(Buffer.from(c));
            total += c.length;
            for (const o of offsets) expect(o).toBeLessThan(total);
            expect(total - (scanner as unknown as { base: number }).base).toBeLessThanOrEqual(4);
          }
          expect(scanner.bytes).toBe(total);
        }),
      );
    });
  });
});
