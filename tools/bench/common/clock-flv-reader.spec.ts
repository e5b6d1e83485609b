import { BARCODE } from '@mediaplane/testing';
import { readBandClock } from './clock-flv-reader';

/** The band as ClockRtmpPublisher draws it (white block = 1), with some encoder noise. */
function band(value: number, noise = 0): Buffer {
  const width = BARCODE.bits * BARCODE.block;
  const out = Buffer.alloc(width * 2 * BARCODE.block);
  for (let k = 0; k < BARCODE.bits; k++) {
    const level = Math.floor(value / 2 ** k) % 2 === 1 ? 255 - noise : noise;
    for (let y = 0; y < 2 * BARCODE.block; y++) out.fill(level, y * width + k * BARCODE.block, y * width + (k + 1) * BARCODE.block);
  }
  return out;
}

describe('readBandClock', () => {
  it('reads back the clock drawn into the decoded band, compression noise included', () => {
    for (const value of [0, 1, 123_456_789, 999_999_999, 2 ** 31 + 5]) {
      expect(readBandClock(band(value))).toBe(value);
      expect(readBandClock(band(value, 60))).toBe(value);
    }
  });
});
