import { AudioParseError } from './codec-errors';
import { buildOpusHead, opusPacketSamples } from './opus-packet';

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
