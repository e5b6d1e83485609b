import fc from 'fast-check';
import { CodecError, VideoParseError } from './codec-errors';
import { buildVpCodecConfigurationRecord, parseVp9FrameHeader, parseVpCodecConfigurationRecord } from './vp9-frame-header';

/** The first bytes of a keyframe and an inter frame libvpx-vp9 (FFmpeg 5.1, real-time) wrote for 640x360 8-bit 4:2:0 (colour space left unknown). */
const KEYFRAME = Buffer.from('824983420027f01676083824', 'hex');
const INTER_FRAME = Buffer.from('86004092', 'hex');

describe('parseVp9FrameHeader', () => {
  it("reads a keyframe's profile, colour and size, and an inter frame's type", () => {
    expect(parseVp9FrameHeader(KEYFRAME)).toEqual({
      profile: 0,
      keyframe: true,
      bitDepth: 8,
      colorSpace: 0,
      fullRange: false,
      subsamplingX: 1,
      subsamplingY: 1,
      width: 640,
      height: 360,
    });
    expect(parseVp9FrameHeader(INTER_FRAME)).toEqual({ profile: 0, keyframe: false });
  });

  it('refuses a bad frame marker or sync code', () => {
    expect(() => parseVp9FrameHeader(Buffer.from([0x02, 0, 0, 0]))).toThrow(VideoParseError);
    expect(() => parseVp9FrameHeader(Buffer.from([0x82, 0x00, 0x00, 0x00, 0x00, 0x00]))).toThrow(VideoParseError);
  });

  it('builds vpcC version 1 from a keyframe: profile, the level its size needs, 8-bit 4:2:0 colocated, colour unspecified where the stream leaves it unknown', () => {
    expect(buildVpCodecConfigurationRecord(parseVp9FrameHeader(KEYFRAME))).toEqual(Buffer.from([1, 0, 0, 0, 0, 21, 0x82, 2, 2, 2, 0, 0]));
    expect(() => buildVpCodecConfigurationRecord(parseVp9FrameHeader(INTER_FRAME))).toThrow(VideoParseError);
  });

  it('throws only VideoParseError on arbitrary or truncated input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        try {
          parseVp9FrameHeader(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
    );
    // The keyframe's fields end in its 9th byte (68 bits): any shorter prefix is truncated.
    for (let n = 0; n < 9; n++) expect(() => parseVp9FrameHeader(KEYFRAME.subarray(0, n))).toThrow(VideoParseError);
  });

  it("reads a vpcC's profile, level and bit depth (versions 0 and 1), and refuses a short or newer record", () => {
    expect(parseVpCodecConfigurationRecord(buildVpCodecConfigurationRecord(parseVp9FrameHeader(KEYFRAME)))).toEqual({ profile: 0, level: 21, bitDepth: 8 });
    expect(parseVpCodecConfigurationRecord(Buffer.from([0, 0, 0, 0, 2, 41, 0xa2]))).toEqual({ profile: 2, level: 41, bitDepth: 10 });
    expect(() => parseVpCodecConfigurationRecord(Buffer.from([1, 0, 0, 0, 0, 21]))).toThrow(VideoParseError);
    expect(() => parseVpCodecConfigurationRecord(Buffer.from([2, 0, 0, 0, 0, 21, 0x82, 2, 2, 2, 0, 0]))).toThrow(VideoParseError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        try {
          parseVpCodecConfigurationRecord(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(VideoParseError);
        }
      }),
    );
  });
});
