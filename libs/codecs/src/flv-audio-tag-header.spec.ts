import fc from 'fast-check';
import { AudioParseError } from './codec-errors';
import { FlvDemuxer } from './flv-demuxer';
import { ExAudioPacketType, parseFlvAudioTagHeader } from './flv-audio-tag-header';
import { FLV_SAMPLE } from './testing/flv-sample-fixture';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('parseFlvAudioTagHeader', () => {
  describe('when given the audio tags of a real FFmpeg FLV', () => {
    const headers = new FlvDemuxer()
      .push(FLV_SAMPLE)
      .filter((t) => t.type === 8)
      .map((t) => parseFlvAudioTagHeader(t.data));

    it('reports AAC 44 kHz 16-bit stereo with one sequence header first', () => {
      expect(headers[0]).toEqual({
        soundFormat: 10,
        soundRate: 3,
        soundSize: 1,
        soundType: 1,
        aacPacketType: 0,
        isSequenceHeader: true,
        headerSize: 2,
      });
      expect(headers.slice(1).every((h) => h.aacPacketType === 1 && !h.isSequenceHeader)).toBe(true);
    });
  });

  describe('when the format is not AAC', () => {
    it('reports the raw fields and a 1-byte header (e.g. MP3 22 kHz mono)', () => {
      expect(parseFlvAudioTagHeader(hex('2a fffb'))).toEqual({
        soundFormat: 2,
        soundRate: 2,
        soundSize: 1,
        soundType: 0,
        isSequenceHeader: false,
        headerSize: 1,
      });
    });
  });

  describe('when the header is an E-RTMP v2 extended audio header', () => {
    it('reports the FourCC and a SequenceStart as a sequence header', () => {
      expect(parseFlvAudioTagHeader(hex('90' + Buffer.from('Opus').toString('hex') + '4f707573'))).toMatchObject({
        soundFormat: 9,
        fourCc: 'Opus',
        exPacketType: ExAudioPacketType.SequenceStart,
        isSequenceHeader: true,
        headerSize: 5,
      });
    });

    it('throws AudioParseError for multitrack packets, which are not handled', () => {
      expect(() => parseFlvAudioTagHeader(hex('95 006d703461'))).toThrow(AudioParseError);
    });
  });

  describe('when the data is truncated', () => {
    it.each([
      ['empty', ''],
      ['AAC without packet type', 'af'],
      ['E-RTMP without full FourCC', '91 6d70'],
    ])('throws AudioParseError (%s)', (_name, bytes) => {
      expect(() => parseFlvAudioTagHeader(hex(bytes))).toThrow(AudioParseError);
    });
  });

  describe('when given random bytes', () => {
    it('never throws anything but AudioParseError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
          try {
            parseFlvAudioTagHeader(Buffer.from(bytes));
          } catch (error) {
            if (!(error instanceof AudioParseError)) throw error;
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
