import fc from 'fast-check';
import { VideoParseError } from './codec-errors';
import { FlvDemuxer } from './flv-demuxer';
import { ExVideoPacketType, parseFlvVideoTagHeader } from './flv-video-tag-header';
import { FLV_SAMPLE } from './testing/flv-sample-fixture';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fourCc = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

describe('parseFlvVideoTagHeader', () => {
  describe('when given the video tags of a real FFmpeg FLV', () => {
    const videoTags = new FlvDemuxer().push(FLV_SAMPLE).filter((t) => t.type === 9);
    const headers = videoTags.map((t) => parseFlvVideoTagHeader(t.data));

    it('reports the sequence header, keyframe, B-frame composition times and end of sequence', () => {
      expect(headers.map((h) => [h.frameType, h.codecId, h.avcPacketType, h.compositionTime, h.isSequenceHeader])).toEqual([
        [1, 7, 0, 0, true],
        [1, 7, 1, 200, false],
        [2, 7, 1, 400, false],
        [2, 7, 1, 100, false],
        [2, 7, 1, 100, false],
        [1, 7, 2, 0, false],
      ]);
      expect(headers.map((h) => h.isKeyframe)).toEqual([true, true, false, false, false, true]);
      expect(headers.every((h) => h.headerSize === 5 && !h.isEnhanced)).toBe(true);
    });
  });

  describe('when the composition time is negative', () => {
    it('sign-extends the SI24 field', () => {
      expect(parseFlvVideoTagHeader(hex('27 01 ffffce')).compositionTime).toBe(-50);
    });
  });

  describe('when the codec is not AVC or HEVC', () => {
    it('reports frame type and codec only (e.g. Sorenson H.263)', () => {
      expect(parseFlvVideoTagHeader(hex('22 0000'))).toEqual({
        frameType: 2,
        isKeyframe: false,
        codecId: 2,
        isSequenceHeader: false,
        headerSize: 1,
        isEnhanced: false,
      });
    });
  });

  describe('when the legacy HEVC extension (codec id 12) is used', () => {
    it('parses it like AVC', () => {
      expect(parseFlvVideoTagHeader(hex('1c 00 000000'))).toMatchObject({
        codecId: 12,
        isSequenceHeader: true,
        isKeyframe: true,
      });
    });
  });

  describe('when the frame is a video command frame (type 5)', () => {
    it('reads the command byte instead of an AVC packet type', () => {
      expect(parseFlvVideoTagHeader(hex('57 01'))).toMatchObject({
        frameType: 5,
        videoCommand: 1,
        headerSize: 2,
        isSequenceHeader: false,
      });
    });
  });

  describe('when the header is an enhanced RTMP (FourCC) header', () => {
    it('reports an hvc1 SequenceStart as an HEVC sequence header', () => {
      expect(parseFlvVideoTagHeader(hex('90' + fourCc('hvc1') + '01'))).toEqual({
        frameType: 1,
        isKeyframe: true,
        codecId: 12,
        fourCc: 'hvc1',
        exPacketType: ExVideoPacketType.SequenceStart,
        avcPacketType: 0,
        isSequenceHeader: true,
        isEnhanced: true,
        headerSize: 5,
      });
    });

    it('reads the composition time of hvc1 CodedFrames', () => {
      expect(parseFlvVideoTagHeader(hex('a1' + fourCc('hvc1') + '000042' + 'aa'))).toMatchObject({
        frameType: 2,
        isKeyframe: false,
        avcPacketType: 1,
        compositionTime: 0x42,
        headerSize: 8,
      });
    });

    it('treats avc1 CodedFramesX as composition time 0 with no SI24 field', () => {
      expect(parseFlvVideoTagHeader(hex('93' + fourCc('avc1') + '00000001'))).toMatchObject({
        codecId: 7,
        isKeyframe: true,
        avcPacketType: 1,
        compositionTime: 0,
        headerSize: 5,
      });
    });

    it('reports other FourCCs with codec id 0 and no composition time', () => {
      const header = parseFlvVideoTagHeader(hex('91' + fourCc('av01') + 'aabb'));
      expect(header).toMatchObject({ fourCc: 'av01', codecId: 0, isKeyframe: true, headerSize: 5 });
      expect(header.compositionTime).toBeUndefined();
    });

    it('reports a SequenceEnd', () => {
      expect(parseFlvVideoTagHeader(hex('92' + fourCc('hvc1')))).toMatchObject({
        avcPacketType: 2,
        isSequenceHeader: false,
      });
    });

    it('reads a command frame as a command byte with no FourCC', () => {
      expect(parseFlvVideoTagHeader(hex('d1 00'))).toMatchObject({
        frameType: 5,
        videoCommand: 0,
        headerSize: 2,
        codecId: 0,
      });
    });

    it('reads a Metadata packet FourCC even with the command frame type', () => {
      expect(parseFlvVideoTagHeader(hex('d4' + fourCc('hvc1') + '02'))).toMatchObject({
        exPacketType: ExVideoPacketType.Metadata,
        fourCc: 'hvc1',
        headerSize: 5,
      });
    });

    it.each([
      ['Multitrack', 'e6'],
      ['ModEx', '97'],
      ['reserved packet type 9', '99'],
    ])('throws VideoParseError for %s, which is not handled', (_name, first) => {
      expect(() => parseFlvVideoTagHeader(hex(first + fourCc('hvc1') + '000000'))).toThrow(VideoParseError);
    });
  });

  describe('when the data is truncated', () => {
    it.each([
      ['empty', ''],
      ['AVC without composition time', '17 01 00'],
      ['enhanced without full FourCC', '90 6876'],
      ['enhanced CodedFrames without composition time', 'a1' + fourCc('hvc1') + '00'],
      ['command frame without command', '57'],
    ])('throws VideoParseError (%s)', (_name, bytes) => {
      expect(() => parseFlvVideoTagHeader(hex(bytes))).toThrow(VideoParseError);
    });
  });

  describe('when given random bytes', () => {
    it('never throws anything but VideoParseError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
          try {
            const header = parseFlvVideoTagHeader(Buffer.from(bytes));
            expect(header.headerSize).toBeLessThanOrEqual(bytes.length);
          } catch (error) {
            if (!(error instanceof VideoParseError)) throw error;
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
