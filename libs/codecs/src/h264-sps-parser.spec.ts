import fc from 'fast-check';
import { VideoParseError } from './codec-errors';
import { MAX_SPS_BYTES, parseH264Sps } from './h264-sps-parser';
import { BASE_SPS_FIELDS, buildSpsNal, HIGH_PROFILE_IDCS, type SpsFields } from './testing/h264-sps-builder';
import { CRAFTED_SPS_FIXTURES, REAL_SPS_FIXTURES } from './testing/h264-sps-fixtures';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

function expectOnlyVideoErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof VideoParseError)) throw error;
  }
}

describe('parseH264Sps', () => {
  describe('when given real x264 SPS', () => {
    it.each(REAL_SPS_FIXTURES.map((f) => [f.name, f] as const))('parses %s', (_name, fixture) => {
      const { frameRate, ...exact } = fixture.expected;
      const sps = parseH264Sps(hex(fixture.hex));
      expect(sps).toMatchObject(exact);
      expect(sps.frameRate).toBeCloseTo(frameRate as number, 6);
    });
  });

  describe('when given SPS syntax x264 never produces', () => {
    it.each(CRAFTED_SPS_FIXTURES.map((f) => [f.name, f] as const))('parses %s', (_name, fixture) => {
      const { frameRate, ...exact } = fixture.expected;
      const sps = parseH264Sps(hex(fixture.hex));
      expect(sps).toMatchObject(exact);
      if (frameRate === undefined) expect(sps.frameRate).toBeUndefined();
      else expect(sps.frameRate).toBeCloseTo(frameRate, 6);
    });
  });

  describe('when any valid SPS is built', () => {
    const fields: fc.Arbitrary<SpsFields> = fc
      .record({
        profileIdc: fc.constantFrom(66, 77, 88, ...HIGH_PROFILE_IDCS),
        constraintFlags: fc.integer({ min: 0, max: 255 }),
        levelIdc: fc.integer({ min: 0, max: 255 }),
        spsId: fc.integer({ min: 0, max: 31 }),
        chromaFormatIdc: fc.integer({ min: 0, max: 3 }),
        separateColourPlane: fc.boolean(),
        bitDepthLumaMinus8: fc.integer({ min: 0, max: 6 }),
        bitDepthChromaMinus8: fc.integer({ min: 0, max: 6 }),
        scalingLists: fc.option(
          fc.array(
            fc.option(fc.oneof(fc.constant('default' as const), fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 64, maxLength: 64 })), {
              nil: undefined,
            }),
            { minLength: 12, maxLength: 12 },
          ),
          { nil: undefined },
        ),
        log2MaxFrameNumMinus4: fc.integer({ min: 0, max: 12 }),
        picOrderCntType: fc.integer({ min: 0, max: 2 }),
        log2MaxPocLsbMinus4: fc.integer({ min: 0, max: 12 }),
        pocCycle: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 5 }),
        maxNumRefFrames: fc.integer({ min: 0, max: 16 }),
        widthMbs: fc.integer({ min: 1, max: 512 }),
        heightMapUnits: fc.integer({ min: 1, max: 300 }),
        frameMbsOnly: fc.boolean(),
        crop: fc.option(fc.record({ left: fc.nat(3), right: fc.nat(3), top: fc.nat(3), bottom: fc.nat(3) }), {
          nil: undefined,
        }),
        vui: fc.option(
          fc.record({
            aspectRatioIdc: fc.option(fc.constantFrom(0, 1, 2, 14, 16, 17, 255), { nil: undefined }),
            sar: fc.record({ width: fc.integer({ min: 1, max: 65535 }), height: fc.integer({ min: 1, max: 65535 }) }),
            timing: fc.option(
              fc.record({
                numUnitsInTick: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
                timeScale: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
                fixedFrameRate: fc.boolean(),
              }),
              { nil: undefined },
            ),
          }),
          { nil: undefined },
        ),
      })
      .map((f) => ({
        ...f,
        // Lists 0..5 are 4x4 (16 entries).
        scalingLists: f.scalingLists?.map((l, i) => (Array.isArray(l) && i < 6 ? l.slice(0, 16) : l)),
      }));

    it('reads back the dimensions, crop, format and timing that were written', () => {
      fc.assert(
        fc.property(fields, (f) => {
          const sps = parseH264Sps(buildSpsNal(f));
          const high = HIGH_PROFILE_IDCS.includes(f.profileIdc);
          const chroma = high ? f.chromaFormatIdc : 1;
          const separate = high && chroma === 3 && f.separateColourPlane;
          const arrayType = separate ? 0 : chroma;
          const cropX = arrayType === 1 || arrayType === 2 ? 2 : 1;
          const cropY = (arrayType === 1 ? 2 : 1) * (f.frameMbsOnly ? 1 : 2);
          const crop = f.crop ?? { left: 0, right: 0, top: 0, bottom: 0 };
          const codedHeight = f.heightMapUnits * 16 * (f.frameMbsOnly ? 1 : 2);
          expect(sps).toMatchObject({
            profileIdc: f.profileIdc,
            constraintFlags: f.constraintFlags,
            levelIdc: f.levelIdc,
            spsId: f.spsId,
            chromaFormatIdc: chroma,
            separateColourPlane: separate,
            bitDepth: high ? 8 + f.bitDepthLumaMinus8 : 8,
            bitDepthChroma: high ? 8 + f.bitDepthChromaMinus8 : 8,
            codedWidth: f.widthMbs * 16,
            codedHeight,
            width: f.widthMbs * 16 - cropX * (crop.left + crop.right),
            height: codedHeight - cropY * (crop.top + crop.bottom),
            frameMbsOnly: f.frameMbsOnly,
            maxNumRefFrames: f.maxNumRefFrames,
          });
          const timing = f.vui?.timing;
          expect(sps.timing).toEqual(timing);
          expect(sps.frameRate).toBe(timing ? timing.timeScale / (2 * timing.numUnitsInTick) : undefined);
          if (f.vui?.aspectRatioIdc === 255) expect(sps.sampleAspectRatio).toEqual(f.vui.sar);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when the SPS is truncated or corrupted', () => {
    const nals = [...REAL_SPS_FIXTURES, ...CRAFTED_SPS_FIXTURES].map((f) => hex(f.hex));

    it('throws only VideoParseError for every truncation of every fixture', () => {
      for (const nal of nals) {
        for (let cut = 0; cut < nal.length; cut++) expectOnlyVideoErrors(() => parseH264Sps(nal.subarray(0, cut)));
      }
    });

    it('still reports the size when only the VUI is cut short', () => {
      const nal = hex((REAL_SPS_FIXTURES[0] as { hex: string }).hex);
      const sps = parseH264Sps(nal.subarray(0, 12));
      expect(sps).toMatchObject({ width: 1280, height: 720 });
      expect(sps.frameRate).toBeUndefined();
    });

    it('throws only VideoParseError when a byte is flipped', () => {
      fc.assert(
        fc.property(fc.constantFrom(...nals), fc.nat(), fc.integer({ min: 0, max: 255 }), (nal, at, byte) => {
          const copy = Buffer.from(nal);
          copy[1 + (at % (copy.length - 1))] = byte;
          expectOnlyVideoErrors(() => parseH264Sps(copy));
        }),
        { numRuns: 500 },
      );
    });

    it('throws only VideoParseError for random bytes after an SPS header', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
          expectOnlyVideoErrors(() => parseH264Sps(Buffer.concat([hex('67'), Buffer.from(bytes)])));
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('when the input is not a plausible SPS', () => {
    it('rejects another NAL unit type', () => {
      expect(() => parseH264Sps(hex('68ebe3cb22c0'))).toThrow(new VideoParseError('NAL unit type 8 is not an SPS (7)'));
    });

    it('rejects an empty buffer', () => {
      expect(() => parseH264Sps(Buffer.alloc(0))).toThrow(VideoParseError);
    });

    it('rejects an oversized NAL unit before copying it', () => {
      expect(() => parseH264Sps(Buffer.alloc(MAX_SPS_BYTES + 1, 0x67))).toThrow(/exceeds 65536/);
    });

    it('rejects cropping that removes the whole picture', () => {
      const nal = buildSpsNal({
        ...BASE_SPS_FIELDS,
        widthMbs: 1,
        heightMapUnits: 1,
        crop: { left: 4, right: 4, top: 0, bottom: 0 },
      });
      expect(() => parseH264Sps(nal)).toThrow(/leaves no picture of 16x16/);
    });

    it('rejects a width beyond any H.264 level', () => {
      expect(() => parseH264Sps(buildSpsNal({ ...BASE_SPS_FIELDS, widthMbs: 4096 }))).toThrow(/pic_width_in_mbs 4096 exceeds 2048/);
    });

    it.each([
      ['seq_parameter_set_id', { spsId: 32 }],
      ['chroma_format_idc', { chromaFormatIdc: 4 }],
      ['bit_depth_luma_minus8', { bitDepthLumaMinus8: 7 }],
      ['log2_max_frame_num_minus4', { log2MaxFrameNumMinus4: 13 }],
      ['pic_order_cnt_type', { picOrderCntType: 3 }],
    ])('rejects an out-of-range %s', (field, override) => {
      expect(() => parseH264Sps(buildSpsNal({ ...BASE_SPS_FIELDS, ...override }))).toThrow(new RegExp(field));
    });
  });
});
