import fc from 'fast-check';
import { encodeAdtsHeader, parseAdtsHeader } from './aac-adts-header';
import { parseAudioSpecificConfig } from './aac-audio-specific-config';
import { AdtsEncodeError } from './codec-errors';

/** Reads the fields back with plain bit arithmetic, independent of the encoder. */
function readAdts(h: Buffer): Record<string, number> {
  const b = (i: number): number => h[i] as number;
  return {
    syncword: (b(0) << 4) | (b(1) >> 4),
    id: (b(1) >> 3) & 1,
    layer: (b(1) >> 1) & 3,
    protectionAbsent: b(1) & 1,
    profile: b(2) >> 6,
    sfi: (b(2) >> 2) & 0xf,
    channelConfiguration: ((b(2) & 1) << 2) | (b(3) >> 6),
    frameLength: ((b(3) & 3) << 11) | (b(4) << 3) | (b(5) >> 5),
    bufferFullness: ((b(5) & 0x1f) << 6) | (b(6) >> 2),
    rawBlocks: b(6) & 3,
  };
}

describe('encodeAdtsHeader', () => {
  describe('when given configs FFmpeg also wrote ADTS headers for', () => {
    // First header of `ffmpeg -f lavfi -i sine=sample_rate=R -t 0.1 -c:a aac -ac C -ar R -f adts a.aac`
    it.each([
      ['1210', 325, 'fff15080299ffc'],
      ['1188', 279, 'fff14c4023dffc'],
      ['13b0', 657, 'fff15d80531ffc'],
    ])('matches FFmpeg byte for byte for ASC %s', (asc, payloadLength, expected) => {
      const cfg = parseAudioSpecificConfig(Buffer.from(asc, 'hex'));
      expect(encodeAdtsHeader(cfg, payloadLength).toString('hex')).toBe(expected);
    });
  });

  describe('when given a hand-written config without channelConfiguration', () => {
    it('derives it from the channel count', () => {
      const header = encodeAdtsHeader({ objectType: 2, samplingFrequencyIndex: 4, channels: 8 }, 100);
      expect(readAdts(header)).toMatchObject({ channelConfiguration: 7, frameLength: 107 });
    });
  });

  describe('when the config is HE-AAC', () => {
    it('describes the LC core at the core sampling rate (implicit SBR signalling)', () => {
      const cfg = parseAudioSpecificConfig(Buffer.from('2b920800', 'hex'));
      expect(readAdts(encodeAdtsHeader(cfg, 10))).toMatchObject({ profile: 1, sfi: 7, channelConfiguration: 2 });
    });
  });

  describe('when any expressible config and length are given', () => {
    it('writes every field where a decoder expects it', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: 12 }),
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 0, max: 8191 - 7 }),
          (objectType, sfi, channelConfiguration, payloadLength) => {
            const header = encodeAdtsHeader({ objectType, samplingFrequencyIndex: sfi, channels: 0, channelConfiguration }, payloadLength);
            expect(header).toHaveLength(7);
            expect(readAdts(header)).toEqual({
              syncword: 0xfff,
              id: 0,
              layer: 0,
              protectionAbsent: 1,
              profile: objectType - 1,
              sfi,
              channelConfiguration,
              frameLength: payloadLength + 7,
              bufferFullness: 0x7ff,
              rawBlocks: 0,
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('when ADTS cannot express the config', () => {
    const lc = { objectType: 2, samplingFrequencyIndex: 4, channels: 2 };
    it.each([
      ['object type 42 (USAC)', { ...lc, objectType: 42 }, 10],
      ['an explicit frequency (index 15)', { ...lc, samplingFrequencyIndex: 15 }, 10],
      ['channel configuration 0 (PCE)', { ...lc, channels: 0, channelConfiguration: 0 }, 10],
      ['7 channels (no ADTS channel configuration)', { ...lc, channels: 7 }, 10],
      ['a frame over 8191 bytes', lc, 8185],
      ['a negative length', lc, -1],
    ])('throws AdtsEncodeError for %s', (_name, cfg, length) => {
      expect(() => encodeAdtsHeader(cfg, length)).toThrow(AdtsEncodeError);
    });

    it('accepts the largest frame that fits', () => {
      expect(readAdts(encodeAdtsHeader(lc, 8184)).frameLength).toBe(8191);
    });
  });
});

describe('parseAdtsHeader', () => {
  it('reads back what encodeAdtsHeader writes', () => {
    const header = encodeAdtsHeader({ objectType: 2, samplingFrequencyIndex: 3, channels: 2 }, 100);
    expect(parseAdtsHeader(header)).toEqual({
      objectType: 2,
      samplingFrequencyIndex: 3,
      sampleRate: 48000,
      channelConfiguration: 2,
      headerLength: 7,
      frameLength: 107,
      rawDataBlocks: 1,
    });
  });

  it('returns undefined for bytes that are not an ADTS header', () => {
    expect(parseAdtsHeader(Buffer.from('fff1', 'hex'))).toBeUndefined();
    expect(parseAdtsHeader(Buffer.from('00f1508010ffc0', 'hex'))).toBeUndefined();
    expect(parseAdtsHeader(Buffer.from('fff17c8000ffc0', 'hex'))).toBeUndefined(); // sampling index 15
  });
});
