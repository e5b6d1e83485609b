import fc from 'fast-check';
import { splitAnnexBNalus } from './annexb-nalus';
import { VideoParseError } from './codec-errors';
import { buildHevcDecoderConfigurationRecord, parseHevcDecoderConfigurationRecord } from './hevc-decoder-configuration-record';
import { HevcNaluType, hevcNaluType } from './hevc-nalus';
import { MpegTsDemuxer } from './mpegts-demuxer';
import { readMpegTsFixture } from './testing/mpegts-fixtures';

/** VPS/SPS/PPS of the libx265 fixture's first access unit. */
function parameterSets(): { vps: Buffer[]; sps: Buffer[]; pps: Buffer[] } {
  const au = new MpegTsDemuxer().push(readMpegTsFixture('hevc-aac')).find((a) => a.codec === 'hevc');
  const nalus = splitAnnexBNalus(au?.data ?? Buffer.alloc(0));
  const of = (type: number): Buffer[] => nalus.filter((n) => hevcNaluType(n) === type);
  return { vps: of(HevcNaluType.Vps), sps: of(HevcNaluType.Sps), pps: of(HevcNaluType.Pps) };
}

describe('HEVCDecoderConfigurationRecord', () => {
  const { vps, sps, pps } = parameterSets();
  const record = buildHevcDecoderConfigurationRecord(vps, sps, pps);

  it('copies profile/tier/level from the SPS and states 8-bit 4:2:0 with 4-byte lengths', () => {
    expect(record[0]).toBe(1);
    expect(record[1]).toBe(0x01); // profile space 0, main tier, Main profile
    expect(record[12]).toBe(30); // general_level_idc: level 1 (30 × 1.0), what libx265 signals for 160x90
    expect(record[16]! & 0x03).toBe(1); // chroma 4:2:0
    expect([record[17]! & 0x07, record[18]! & 0x07]).toEqual([0, 0]);
    expect(record[21]! & 0x03).toBe(3);
  });

  it('parses back to the same parameter sets', () => {
    const parsed = parseHevcDecoderConfigurationRecord(record);
    expect(parsed.nalUnitLengthSize).toBe(4);
    expect([parsed.vps, parsed.sps, parsed.pps]).toEqual([vps, sps, pps]);
  });

  it('refuses to build without all three kinds', () => {
    expect(() => buildHevcDecoderConfigurationRecord([], sps, pps)).toThrow(VideoParseError);
  });

  it('throws only VideoParseError on truncated or corrupted records', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
        const bad = Buffer.from(record.subarray(0, cut % (record.length + 1)));
        if (bad.length > 0) bad[at % bad.length] = value;
        try {
          parseHevcDecoderConfigurationRecord(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(VideoParseError);
        }
      }),
    );
  });

  it('throws only VideoParseError when building from a corrupted SPS', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
        const s = Buffer.from((sps[0] as Buffer).subarray(0, 2 + (cut % ((sps[0] as Buffer).length - 1))));
        if (s.length > 2) s[2 + (at % (s.length - 2))] = value;
        try {
          buildHevcDecoderConfigurationRecord(vps, [s], pps);
        } catch (e) {
          expect(e).toBeInstanceOf(VideoParseError);
        }
      }),
    );
  });
});
