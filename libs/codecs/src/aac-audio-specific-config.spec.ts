import fc from 'fast-check';
import { AAC_SAMPLING_FREQUENCIES, encodeAudioSpecificConfig, parseAudioSpecificConfig } from './aac-audio-specific-config';
import { AudioParseError } from './codec-errors';
import { BitWriter } from './testing/bit-writer';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('parseAudioSpecificConfig', () => {
  describe('when given common real-world configs', () => {
    it.each([
      [
        '1210',
        'AAC-LC 44.1 kHz stereo (FFmpeg FLV sample)',
        { objectType: 2, sampleRate: 44100, samplingFrequencyIndex: 4, channels: 2, channelConfiguration: 2 },
      ],
      ['1188', 'AAC-LC 48 kHz mono', { objectType: 2, sampleRate: 48000, samplingFrequencyIndex: 3, channels: 1 }],
      ['11b0', 'AAC-LC 48 kHz 5.1', { objectType: 2, sampleRate: 48000, channels: 6 }],
      ['11b8', 'AAC-LC 48 kHz 7.1 (configuration 7 = 8 channels)', { objectType: 2, channels: 8, channelConfiguration: 7 }],
      ['2b920800', 'HE-AAC 22.05 kHz core, 44.1 kHz output', { objectType: 5, sampleRate: 22050, extensionSampleRate: 44100, coreObjectType: 2, channels: 2 }],
    ])('parses %s (%s)', (bytes, _name, expected) => {
      expect(parseAudioSpecificConfig(hex(bytes))).toMatchObject(expected);
    });
  });

  describe('when the sampling frequency is explicit (index 15)', () => {
    it('reads the 24-bit frequency', () => {
      const buf = new BitWriter().u(5, 2).u(4, 15).u(24, 44056).u(4, 2).u(3, 0).toBuffer();
      expect(parseAudioSpecificConfig(buf)).toMatchObject({
        objectType: 2,
        samplingFrequencyIndex: 15,
        sampleRate: 44056,
        channels: 2,
      });
    });

    it('rejects a zero frequency', () => {
      const buf = new BitWriter().u(5, 2).u(4, 15).u(24, 0).u(4, 2).toBuffer();
      expect(() => parseAudioSpecificConfig(buf)).toThrow(/explicit sampling frequency is 0/);
    });
  });

  describe('when the object type uses the 31 escape', () => {
    it('reads 32 + the 6-bit extension (e.g. 42, USAC / xHE-AAC)', () => {
      const buf = new BitWriter().u(5, 31).u(6, 10).u(4, 3).u(4, 2).toBuffer();
      expect(parseAudioSpecificConfig(buf)).toMatchObject({ objectType: 42, sampleRate: 48000, channels: 2 });
    });
  });

  describe('when HE-AACv2 (PS) is signalled explicitly with an escaped core type', () => {
    it('reads the extension rate and core object type', () => {
      const buf = new BitWriter().u(5, 29).u(4, 6).u(4, 1).u(4, 15).u(24, 48000).u(5, 2).toBuffer();
      expect(parseAudioSpecificConfig(buf)).toMatchObject({
        objectType: 29,
        sampleRate: 24000,
        channels: 1,
        extensionSampleRate: 48000,
        coreObjectType: 2,
      });
    });
  });

  describe('when the channel configuration is 0 (program config element)', () => {
    it('reports 0 channels rather than guessing', () => {
      expect(parseAudioSpecificConfig(hex('1200'))).toMatchObject({ channels: 0, channelConfiguration: 0 });
    });
  });

  describe('when the config is invalid', () => {
    it.each([
      ['empty', ''],
      ['one byte', '12'],
      ['object type 0', '0210'],
      ['reserved frequency index 13', '1690'],
      ['reserved channel configuration 15', '1278'],
      ['HE-AAC without its extension fields', '2b90'],
      ['explicit frequency cut short', '178000'],
    ])('throws AudioParseError (%s)', (_name, bytes) => {
      expect(() => parseAudioSpecificConfig(hex(bytes))).toThrow(AudioParseError);
    });
  });

  describe('when any valid config is written', () => {
    it('reads back what was written', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 32, max: 95 })),
          fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(15)),
          fc.integer({ min: 1, max: 0xffffff }),
          fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14),
          (objectType, sfi, explicitRate, channelConfiguration) => {
            const w = new BitWriter();
            if (objectType >= 31) w.u(5, 31).u(6, objectType - 32);
            else w.u(5, objectType);
            w.u(4, sfi);
            if (sfi === 15) w.u(24, explicitRate);
            w.u(4, channelConfiguration);
            if (objectType === 5 || objectType === 29) w.u(4, 3).u(5, 2);
            const cfg = parseAudioSpecificConfig(w.u(8, 0).toBuffer());
            expect(cfg).toMatchObject({
              objectType,
              samplingFrequencyIndex: sfi,
              sampleRate: sfi === 15 ? explicitRate : AAC_SAMPLING_FREQUENCIES[sfi],
              channelConfiguration,
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('when given random bytes', () => {
    it('never throws anything but AudioParseError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
          try {
            parseAudioSpecificConfig(Buffer.from(bytes));
          } catch (error) {
            if (!(error instanceof AudioParseError)) throw error;
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('encodeAudioSpecificConfig', () => {
  it('writes the 2-byte config parseAudioSpecificConfig reads back', () => {
    expect(encodeAudioSpecificConfig(2, 4, 2).toString('hex')).toBe('1210');
    expect(parseAudioSpecificConfig(encodeAudioSpecificConfig(2, 3, 1))).toMatchObject({ objectType: 2, sampleRate: 48000, channels: 1 });
  });

  it('rejects values the short form cannot hold', () => {
    expect(() => encodeAudioSpecificConfig(31, 4, 2)).toThrow(AudioParseError);
    expect(() => encodeAudioSpecificConfig(2, 15, 2)).toThrow(AudioParseError);
    expect(() => encodeAudioSpecificConfig(2, 4, 8)).toThrow(AudioParseError);
  });
});
