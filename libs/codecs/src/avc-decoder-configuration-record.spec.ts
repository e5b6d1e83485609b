import fc from 'fast-check';
import { buildAvcDecoderConfigurationRecord, parseAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
import { VideoParseError } from './codec-errors';
import { FlvDemuxer } from './flv-demuxer';
import { parseFlvVideoTagHeader } from './flv-video-tag-header';
import { parseH264Sps } from './h264-sps-parser';
import { FLV_SAMPLE } from './testing/flv-sample-fixture';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Builds a record from parts so tests can vary one field at a time. */
function record(opts: { version?: number; lengthByte?: number; sps?: Buffer[]; pps?: Buffer[] } = {}): Buffer {
  const sets = (list: Buffer[]): Buffer[] => list.flatMap((b) => [Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  const sps = opts.sps ?? [hex('6764001facd9')];
  const pps = opts.pps ?? [hex('68ebe3cb22c0')];
  return Buffer.concat([
    Buffer.from([opts.version ?? 1, 0x64, 0x00, 0x1f, opts.lengthByte ?? 0xff, 0xe0 | sps.length]),
    ...sets(sps),
    Buffer.from([pps.length]),
    ...sets(pps),
  ]);
}

describe('parseAvcDecoderConfigurationRecord', () => {
  describe('when given the sequence header of a real FFmpeg FLV', () => {
    const tag = new FlvDemuxer().push(FLV_SAMPLE).find((t) => t.type === 9);
    const payload = tag?.data.subarray(parseFlvVideoTagHeader(tag.data).headerSize) ?? Buffer.alloc(0);
    const parsed = parseAvcDecoderConfigurationRecord(payload);

    it('reads profile, compatibility, level and NAL length size', () => {
      expect(parsed).toMatchObject({ profile: 77, compatibility: 0x40, level: 10, nalUnitLengthSize: 4 });
    });

    it('returns the SPS and PPS NAL units', () => {
      expect(parsed.sps.map((b) => b.toString('hex'))).toEqual(['674d400aeca6b6022000000300200000030281e244b2c0']);
      expect(parsed.pps.map((b) => b.toString('hex'))).toEqual(['68ce039c80']);
      expect(parseH264Sps(parsed.sps[0] as Buffer)).toMatchObject({ width: 48, height: 32, frameRate: 10 });
    });

    it('copies parameter sets so they neither pin nor alias the input buffer', () => {
      const input = Buffer.from(payload);
      const copy = parseAvcDecoderConfigurationRecord(input);
      input.fill(0);
      expect(copy.sps[0]?.toString('hex')).toBe(parsed.sps[0]?.toString('hex'));
      expect(copy.pps[0]?.[0]).toBe(0x68);
    });
  });

  describe('when there are several parameter sets', () => {
    it('returns all of them in order', () => {
      const parsed = parseAvcDecoderConfigurationRecord(record({ sps: [hex('6701'), hex('6702')], pps: [hex('6801'), hex('6802'), hex('6803')] }));
      expect(parsed.sps.map((b) => b.toString('hex'))).toEqual(['6701', '6702']);
      expect(parsed.pps.map((b) => b.toString('hex'))).toEqual(['6801', '6802', '6803']);
    });
  });

  describe('when lengthSizeMinusOne varies', () => {
    it.each([
      [0xfc, 1],
      [0xfd, 2],
      [0xfe, 3],
      [0xff, 4],
    ])('maps byte 0x%s to a %d-byte length size', (lengthByte, size) => {
      expect(parseAvcDecoderConfigurationRecord(record({ lengthByte })).nalUnitLengthSize).toBe(size);
    });
  });

  describe('when the trailing High-profile extension is present', () => {
    it('ignores it', () => {
      const withExtension = Buffer.concat([record(), hex('fd f8 f8 00')]);
      expect(parseAvcDecoderConfigurationRecord(withExtension).sps).toHaveLength(1);
    });
  });

  describe('when the record is invalid', () => {
    it('rejects a configurationVersion other than 1', () => {
      expect(() => parseAvcDecoderConfigurationRecord(record({ version: 0 }))).toThrow(new VideoParseError('AVCDecoderConfigurationRecord version 0 is not 1'));
    });

    it('rejects an empty parameter set', () => {
      expect(() => parseAvcDecoderConfigurationRecord(record({ pps: [Buffer.alloc(0)] }))).toThrow(/PPS #0 is empty/);
    });

    it('rejects a parameter set length that runs past the end', () => {
      const buf = record();
      expect(() => parseAvcDecoderConfigurationRecord(buf.subarray(0, buf.length - 1))).toThrow(/truncated/);
    });

    it('throws only VideoParseError for any truncation', () => {
      const buf = record({ sps: [hex('6701'), hex('6702')] });
      for (let cut = 0; cut < buf.length; cut++) {
        expect(() => parseAvcDecoderConfigurationRecord(buf.subarray(0, cut))).toThrow(VideoParseError);
      }
    });
  });

  describe('when given random bytes', () => {
    it('never throws anything but VideoParseError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
          const buf = Buffer.from(bytes);
          if (buf.length > 0) buf[0] = 1; // get past the version check most of the time
          try {
            parseAvcDecoderConfigurationRecord(buf);
          } catch (error) {
            if (!(error instanceof VideoParseError)) throw error;
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('buildAvcDecoderConfigurationRecord', () => {
  const sps = hex('674d400beca146fc980880000003008000001947 8a14cb');
  const pps = hex('68ce039c80');

  it('builds what parseAvcDecoderConfigurationRecord reads back, profile and level from the SPS', () => {
    const parsed = parseAvcDecoderConfigurationRecord(buildAvcDecoderConfigurationRecord([sps], [pps]));
    expect(parsed).toEqual({ profile: 0x4d, compatibility: 0x40, level: 0x0b, nalUnitLengthSize: 4, sps: [sps], pps: [pps] });
  });

  it('refuses to build without an SPS and a PPS', () => {
    expect(() => buildAvcDecoderConfigurationRecord([], [pps])).toThrow(VideoParseError);
    expect(() => buildAvcDecoderConfigurationRecord([sps], [])).toThrow(VideoParseError);
  });
});
