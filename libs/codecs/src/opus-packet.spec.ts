import fc from 'fast-check';
import { AudioParseError } from './codec-errors';
import { buildOpusHead, opusPacketSamples, parseOpusHead } from './opus-packet';

describe('opusPacketSamples', () => {
  it.each([
    // TOC config << 3 | code
    [[(31 << 3) | 0], 960], // CELT FB 20 ms, one frame
    [[(16 << 3) | 1], 240], // CELT 2.5 ms, two frames
    [[(1 << 3) | 2], 1920], // SILK 20 ms, two frames
    [[(3 << 3) | 3, 3], 8640], // SILK 60 ms, code 3 with 3 frames
    [[(13 << 3) | 0], 960], // hybrid 20 ms
    [[], 0],
    [[(3 << 3) | 3], 0], // code 3 without its count byte
  ])('%j lasts %i samples at 48 kHz', (bytes, samples) => {
    expect(opusPacketSamples(Buffer.from(bytes))).toBe(samples);
  });
});

describe('buildOpusHead', () => {
  it('writes the RFC 7845 identification header', () => {
    expect(buildOpusHead(2).toString('hex')).toBe('4f7075734865616401023801' + '80bb0000' + '0000' + '00');
  });

  it('refuses layouts that need a mapping table', () => {
    expect(() => buildOpusHead(6)).toThrow(AudioParseError);
  });
});

describe('parseOpusHead', () => {
  it('reads back what buildOpusHead writes', () => {
    expect(parseOpusHead(buildOpusHead(1, 44100, 120))).toEqual({ channels: 1, preSkip: 120, inputSampleRate: 44100, mappingFamily: 0 });
    expect(parseOpusHead(buildOpusHead(2))).toMatchObject({ channels: 2, inputSampleRate: 48000 });
  });

  it('refuses what is not an OpusHead', () => {
    expect(() => parseOpusHead(Buffer.from('OpusHea'))).toThrow(/truncated/);
    expect(() => parseOpusHead(Buffer.concat([Buffer.from('OpusTags'), Buffer.alloc(11)]))).toThrow(/OpusHead/);
    const v1 = buildOpusHead(2);
    v1[8] = 0x10;
    expect(() => parseOpusHead(v1)).toThrow(/version/);
    const six = buildOpusHead(2);
    six[9] = 6;
    expect(() => parseOpusHead(six)).toThrow(/mapping family 0/);
  });

  it('throws only AudioParseError for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (bytes, magic) => {
        const data = magic ? Buffer.concat([Buffer.from('OpusHead'), Buffer.from(bytes)]) : Buffer.from(bytes);
        try {
          const head = parseOpusHead(data);
          expect(head.channels).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(AudioParseError);
        }
      }),
    );
  });
});
