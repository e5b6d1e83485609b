import fc from 'fast-check';
import { Av1ObuType, splitAv1Obus } from './av1-obus';
import { av1SequenceHeaderOfRecord, buildAv1CodecConfigurationRecord, parseAv1SequenceHeader } from './av1-sequence-header';
import { CodecError, VideoParseError } from './codec-errors';

/** The sequence header OBU libaom (FFmpeg 5.1, `-usage realtime`) wrote for 640x360 8-bit 4:2:0; ffprobe reads profile Main, level 1. */
const SEQUENCE_HEADER_OBU = Buffer.from('0a0b0000000cc4ff6736be4010', 'hex');

describe('splitAv1Obus', () => {
  it('splits a temporal unit into its OBUs, with and without size fields and extension headers', () => {
    const td = Buffer.from([0x12, 0x00]);
    const withExtension = Buffer.from([0x36, 0x08, 0x02, 0xaa, 0xbb]); // OBU_FRAME, extension byte, size 2
    const unsized = Buffer.from([0x30, 0x01, 0x02, 0x03]); // OBU_FRAME without a size: to the end
    const obus = splitAv1Obus(Buffer.concat([td, SEQUENCE_HEADER_OBU, withExtension, unsized]));
    expect(obus.map((o) => [o.type, o.bytes.length, o.payload.length])).toEqual([
      [Av1ObuType.TemporalDelimiter, 2, 0],
      [Av1ObuType.SequenceHeader, 13, 11],
      [6, 5, 2],
      [6, 4, 3],
    ]);
  });

  it('refuses a size past the end, an overlong size field and the forbidden bit', () => {
    expect(() => splitAv1Obus(Buffer.from([0x32, 0x05, 0x00]))).toThrow(VideoParseError);
    expect(() => splitAv1Obus(Buffer.from([0x32, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(VideoParseError);
    expect(() => splitAv1Obus(Buffer.from([0x92, 0x00]))).toThrow(VideoParseError);
  });
});

describe('parseAv1SequenceHeader and the av1C record', () => {
  it('reads profile, level, size and colour from a real sequence header', () => {
    const [obu] = splitAv1Obus(SEQUENCE_HEADER_OBU);
    expect(parseAv1SequenceHeader(obu?.payload as Buffer)).toEqual({
      profile: 0,
      reducedStillPictureHeader: false,
      level: 1,
      tier: 0,
      width: 640,
      height: 360,
      highBitdepth: false,
      twelveBit: false,
      monochrome: false,
      subsamplingX: 1,
      subsamplingY: 1,
      chromaSamplePosition: 0,
    });
  });

  it('builds av1C (marker, version, profile and level, 4:2:0 8-bit flags) with the OBU as configOBUs, and reads it back', () => {
    const record = buildAv1CodecConfigurationRecord(SEQUENCE_HEADER_OBU);
    expect(record.subarray(0, 4)).toEqual(Buffer.from([0x81, 0x01, 0x0c, 0x00]));
    expect(record.subarray(4)).toEqual(SEQUENCE_HEADER_OBU);
    expect(av1SequenceHeaderOfRecord(record)).toMatchObject({ width: 640, height: 360 });
    expect(() => buildAv1CodecConfigurationRecord(Buffer.from([0x12, 0x00]))).toThrow(VideoParseError);
    expect(() => av1SequenceHeaderOfRecord(Buffer.from([0x01, 0, 0, 0]))).toThrow(VideoParseError);
  });

  it('throws only VideoParseError on arbitrary or truncated input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        for (const parse of [
          () => parseAv1SequenceHeader(Buffer.from(bytes)),
          () => splitAv1Obus(Buffer.from(bytes)),
          () => buildAv1CodecConfigurationRecord(Buffer.from(bytes)),
        ]) {
          try {
            parse();
          } catch (e) {
            expect(e).toBeInstanceOf(CodecError);
          }
        }
      }),
    );
    for (let n = 0; n < SEQUENCE_HEADER_OBU.length - 2; n++)
      expect(() => parseAv1SequenceHeader(SEQUENCE_HEADER_OBU.subarray(2, 2 + n))).toThrow(VideoParseError);
  });
});
