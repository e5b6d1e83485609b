import fc from 'fast-check';
import { CodecError, VideoParseError } from './codec-errors';
import { IvfReader } from './ivf-reader';

/** An IVF file: the 32-byte header (time base 1/25 s as FFmpeg writes it at 25 fps), then frames with 12-byte headers. */
function ivf(fourCc: string, frames: Buffer[]): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write(fourCc, 8, 'latin1');
  header.writeUInt32LE(25, 16);
  header.writeUInt32LE(1, 20);
  return Buffer.concat([
    header,
    ...frames.flatMap((data, i) => {
      const frameHeader = Buffer.alloc(12);
      frameHeader.writeUInt32LE(data.length, 0);
      frameHeader.writeBigUInt64LE(BigInt(i), 4);
      return [frameHeader, data];
    }),
  ]);
}

const FRAMES = [Buffer.from('first frame'), Buffer.alloc(0), Buffer.alloc(3000, 7)];

describe('IvfReader', () => {
  it('reads the codec, and every frame with its time in ms, however the bytes are split (property)', () => {
    const file = ivf('AV01', FRAMES);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: file.length }), { maxLength: 12 }), (cuts) => {
        const reader = new IvfReader();
        const points = [...new Set([0, ...cuts.sort((a, b) => a - b), file.length])];
        const frames = points.slice(1).flatMap((end, i) => reader.push(file.subarray(points[i], end)));
        expect(reader.fourCc).toBe('AV01');
        expect(frames.map((f) => [f.timestampMs, f.data])).toEqual(FRAMES.map((data, i) => [i * 40, data]));
      }),
    );
  });

  it('refuses what is not IVF, a zero time base and a frame over the limit', () => {
    expect(() => new IvfReader().push(Buffer.alloc(32))).toThrow(VideoParseError);
    const zeroRate = ivf('VP90', []);
    zeroRate.writeUInt32LE(0, 16);
    expect(() => new IvfReader().push(zeroRate)).toThrow(VideoParseError);
    expect(() => new IvfReader({ maxFrameBytes: 2999 }).push(ivf('VP90', FRAMES))).toThrow(/exceeds 2999/);
  });

  it('throws only VideoParseError on arbitrary bytes after a valid header (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          new IvfReader({ maxFrameBytes: 1024 }).push(Buffer.concat([ivf('AV01', []), Buffer.from(bytes)]));
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
    );
  });
});
