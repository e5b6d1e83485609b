import fc from 'fast-check';
import { CodecError, VideoParseError } from './codec-errors';
import { parseFlvVideoTagHeader } from './flv-video-tag-header';
import { IvfToFlv } from './ivf-to-flv';

/** libvpx-vp9's keyframe and inter frame starts (640x360), padded as frames. */
const VP9_KEYFRAME = Buffer.concat([Buffer.from('824983420027f01676083824', 'hex'), Buffer.alloc(20)]);
const VP9_INTER = Buffer.concat([Buffer.from('86004092', 'hex'), Buffer.alloc(20)]);

describe('IvfToFlv', () => {
  it("drops frames before the first keyframe, then gives a 'vp09' SequenceStart (vpcC) and CodedFrames with frame types", () => {
    const converter = new IvfToFlv('VP90');
    expect(converter.push({ timestampMs: 0, data: VP9_INTER })).toEqual([]);
    const tags = [VP9_KEYFRAME, VP9_INTER, VP9_KEYFRAME].flatMap((data, i) => converter.push({ timestampMs: 40 * (i + 1) + 0.4, data }));
    const headers = tags.map((t) => parseFlvVideoTagHeader(t.payload));
    expect(headers.map((h) => [h.fourCc, h.isSequenceHeader, h.isKeyframe])).toEqual([
      ['vp09', true, true],
      ['vp09', false, true],
      ['vp09', false, false],
      ['vp09', false, true], // the same configuration again: no second SequenceStart
    ]);
    expect(tags.map((t) => t.timestamp)).toEqual([40, 40, 80, 120]);
    expect(tags[1]?.payload.subarray(headers[1]?.headerSize)).toEqual(VP9_KEYFRAME);
  });

  it('takes only AV1 and VP9', () => {
    expect(() => new IvfToFlv('VP80')).toThrow(VideoParseError);
  });

  it('throws only codec errors on arbitrary frames (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('AV01', 'VP90'), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (fourCc, frames) => {
        const converter = new IvfToFlv(fourCc);
        for (const data of frames) {
          try {
            converter.push({ timestampMs: 0, data: Buffer.from(data) });
          } catch (e) {
            expect(e).toBeInstanceOf(CodecError);
          }
        }
      }),
    );
  });
});
