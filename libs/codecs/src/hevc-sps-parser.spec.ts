import fc from 'fast-check';
import { splitAnnexBNalus } from './annexb-nalus';
import { VideoParseError } from './codec-errors';
import { HevcNaluType, hevcNaluType } from './hevc-nalus';
import { MAX_SPS_BYTES } from './h264-sps-parser';
import { hevcProfileName, parseHevcSps } from './hevc-sps-parser';
import { MpegTsDemuxer } from './mpegts-demuxer';
import { BitWriter } from './testing/bit-writer';
import { readMpegTsFixture } from './testing/mpegts-fixtures';

/** The SPS of the libx265 fixture (160x90, coded 160x96: a conformance window crops 6 rows). */
function fixtureSps(): Buffer {
  const au = new MpegTsDemuxer().push(readMpegTsFixture('hevc-aac')).find((a) => a.codec === 'hevc');
  const sps = splitAnnexBNalus(au?.data ?? Buffer.alloc(0)).find((n) => hevcNaluType(n) === HevcNaluType.Sps);
  if (!sps) throw new Error('fixture has no SPS');
  return sps;
}

interface SpsFields {
  maxSubLayersMinus1: number;
  subLayerProfile: boolean[];
  subLayerLevel: boolean[];
  profileIdc: number;
  highTier: boolean;
  levelIdc: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  codedWidth: number;
  codedHeight: number;
  window?: [number, number, number, number];
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
}

/** An SPS NAL unit (header included) up to the bit depths, then a trailing bit: all the parser reads. */
function buildHevcSps(f: SpsFields): Buffer {
  const w = new BitWriter();
  w.u(4, 0).u(3, f.maxSubLayersMinus1).bit(1);
  w.u(2, 0).bit(f.highTier).u(5, f.profileIdc).u(32, 0x60000000).u(16, 0x9000).u(32, 0).u(8, f.levelIdc);
  for (let i = 0; i < f.maxSubLayersMinus1; i++) w.bit(f.subLayerProfile[i] ?? false).bit(f.subLayerLevel[i] ?? false);
  if (f.maxSubLayersMinus1 > 0) for (let i = f.maxSubLayersMinus1; i < 8; i++) w.u(2, 0);
  for (let i = 0; i < f.maxSubLayersMinus1; i++) {
    if (f.subLayerProfile[i]) w.u(32, 0).u(32, 0).u(24, 0);
    if (f.subLayerLevel[i]) w.u(8, 90);
  }
  w.ue(0).ue(f.chromaFormatIdc);
  if (f.chromaFormatIdc === 3) w.bit(f.separateColourPlane);
  w.ue(f.codedWidth)
    .ue(f.codedHeight)
    .bit(f.window !== undefined);
  for (const offset of f.window ?? []) w.ue(offset);
  w.ue(f.bitDepthLumaMinus8).ue(f.bitDepthChromaMinus8).trailing();
  // Emulation prevention: the parser must undo it, so insert it where the RBSP needs it.
  const rbsp = w.toBuffer();
  const escaped: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      escaped.push(3);
      zeros = 0;
    }
    escaped.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.concat([Buffer.from([HevcNaluType.Sps << 1, 1]), Buffer.from(escaped)]);
}

const BASE: SpsFields = {
  maxSubLayersMinus1: 0,
  subLayerProfile: [],
  subLayerLevel: [],
  profileIdc: 1,
  highTier: false,
  levelIdc: 93,
  chromaFormatIdc: 1,
  separateColourPlane: false,
  codedWidth: 1920,
  codedHeight: 1088,
  window: [0, 0, 0, 4],
  bitDepthLumaMinus8: 0,
  bitDepthChromaMinus8: 0,
};

describe('parseHevcSps', () => {
  describe('when given the SPS libx265 wrote', () => {
    it('reads Main profile, level 1, 4:2:0 8-bit and the cropped 160x90 picture', () => {
      expect(parseHevcSps(fixtureSps())).toMatchObject({
        profileIdc: 1,
        highTier: false,
        levelIdc: 30,
        chromaFormatIdc: 1,
        bitDepthLuma: 8,
        bitDepthChroma: 8,
        codedWidth: 160,
        codedHeight: 96,
        width: 160,
        height: 90,
        numTemporalLayers: 1,
      });
    });
  });

  describe('when the conformance window crops a 1920x1088 coded picture by 4 chroma rows', () => {
    it('reports 1920x1080 (offsets count chroma samples: 2 luma rows each in 4:2:0)', () => {
      expect(parseHevcSps(buildHevcSps(BASE))).toMatchObject({ codedHeight: 1088, width: 1920, height: 1080, levelIdc: 93 });
    });

    it('crops luma samples 1:1 in 4:4:4 and rows 1:1 in 4:2:2', () => {
      expect(parseHevcSps(buildHevcSps({ ...BASE, chromaFormatIdc: 3, window: [1, 1, 0, 4] }))).toMatchObject({ width: 1918, height: 1084 });
      expect(parseHevcSps(buildHevcSps({ ...BASE, chromaFormatIdc: 2, window: [1, 1, 0, 4] }))).toMatchObject({ width: 1916, height: 1084 });
    });
  });

  describe('when the SPS is hostile', () => {
    it('rejects other NAL unit types, oversized NAL units and absurd sizes with VideoParseError', () => {
      const sps = fixtureSps();
      const notSps = Buffer.from(sps);
      notSps[0] = HevcNaluType.Pps << 1;
      expect(() => parseHevcSps(notSps)).toThrow(/not an SPS/);
      expect(() => parseHevcSps(Buffer.alloc(MAX_SPS_BYTES + 1, 0x42))).toThrow(VideoParseError);
      expect(() => parseHevcSps(buildHevcSps({ ...BASE, codedWidth: 100_000 }))).toThrow(/out of range/);
      expect(() => parseHevcSps(buildHevcSps({ ...BASE, window: [0, 0, 600, 600] }))).toThrow(/conformance window/);
      expect(() => parseHevcSps(buildHevcSps({ ...BASE, chromaFormatIdc: 4 }))).toThrow(/chroma_format_idc/);
    });

    it('throws only VideoParseError for truncated or corrupted SPS', () => {
      const sps = fixtureSps();
      fc.assert(
        fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
          const bad = Buffer.from(sps.subarray(0, cut % (sps.length + 1)));
          if (bad.length > 2) bad[2 + (at % (bad.length - 2))] = value;
          try {
            parseHevcSps(bad);
          } catch (e) {
            expect(e).toBeInstanceOf(VideoParseError);
          }
        }),
      );
    });

    it('throws only VideoParseError for arbitrary bytes behind an SPS header', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          try {
            parseHevcSps(Buffer.concat([Buffer.from([0x42, 0x01]), Buffer.from(bytes)]));
          } catch (e) {
            expect(e).toBeInstanceOf(VideoParseError);
          }
        }),
      );
    });
  });

  describe('when any valid SPS is built', () => {
    it('reads back every field it was built with', () => {
      const fields: fc.Arbitrary<SpsFields> = fc
        .record({
          maxSubLayersMinus1: fc.integer({ min: 0, max: 6 }),
          subLayerProfile: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
          subLayerLevel: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
          profileIdc: fc.integer({ min: 0, max: 31 }),
          highTier: fc.boolean(),
          levelIdc: fc.integer({ min: 0, max: 255 }),
          chromaFormatIdc: fc.integer({ min: 0, max: 3 }),
          separateColourPlane: fc.boolean(),
          codedWidth: fc.integer({ min: 64, max: 8192 }),
          codedHeight: fc.integer({ min: 64, max: 8192 }),
          window: fc.option(fc.tuple(fc.nat(15), fc.nat(15), fc.nat(15), fc.nat(15)), { nil: undefined }),
          bitDepthLumaMinus8: fc.integer({ min: 0, max: 8 }),
          bitDepthChromaMinus8: fc.integer({ min: 0, max: 8 }),
        })
        .map((f) => ({ ...f, separateColourPlane: f.chromaFormatIdc === 3 && f.separateColourPlane }));
      fc.assert(
        fc.property(fields, (f) => {
          const sps = parseHevcSps(buildHevcSps(f));
          const array = f.separateColourPlane ? 0 : f.chromaFormatIdc;
          const [l, r, t, b] = f.window ?? [0, 0, 0, 0];
          expect(sps).toMatchObject({
            profileIdc: f.profileIdc,
            highTier: f.highTier,
            levelIdc: f.levelIdc,
            numTemporalLayers: f.maxSubLayersMinus1 + 1,
            chromaFormatIdc: f.chromaFormatIdc,
            separateColourPlane: f.separateColourPlane,
            codedWidth: f.codedWidth,
            codedHeight: f.codedHeight,
            width: f.codedWidth - (array === 1 || array === 2 ? 2 : 1) * (l + r),
            height: f.codedHeight - (array === 1 ? 2 : 1) * (t + b),
            bitDepthLuma: f.bitDepthLumaMinus8 + 8,
            bitDepthChroma: f.bitDepthChromaMinus8 + 8,
          });
        }),
      );
    });
  });

  it('names the common profiles', () => {
    expect([hevcProfileName(1), hevcProfileName(2), hevcProfileName(30)]).toEqual(['Main', 'Main 10', 'profile 30']);
  });
});
