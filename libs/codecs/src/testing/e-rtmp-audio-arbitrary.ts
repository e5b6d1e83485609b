import fc from 'fast-check';
import type { FlvTagBody } from '../mpegts-to-flv';

/** The E-RTMP audio FourCCs the muxers carry, and one they do not. */
const FOURCCS = ['Opus', 'fLaC', 'ac-3', 'ec-3', 'mp4a', '.mp3'] as const;
/** Valid-looking starts of a body, so the fuzzing reaches past the first check: an AC-3 / E-AC-3 header, 'fLaC', an OpusHead. */
const BODY_STARTS = [
  Buffer.from('0b77fe95144043e1', 'hex'),
  Buffer.from('0b77017f3487c000', 'hex'),
  Buffer.from('fLaC\u0000\u0000\u0000\u0022', 'latin1'),
  Buffer.from('OpusHead', 'latin1'),
];

/**
 * Hostile E-RTMP audio tags (SoundFormat 9): any packet type, a FourCC the
 * muxers know (or not), and a body that may start like the real thing and
 * then goes wrong, for the muxers' never-throw properties.
 */
export const eRtmpAudioTagArb: fc.Arbitrary<FlvTagBody> = fc
  .record({
    packetType: fc.integer({ min: 0, max: 15 }),
    fourCc: fc.constantFrom(...FOURCCS),
    start: fc.option(fc.constantFrom(...BODY_STARTS), { nil: undefined }),
    rest: fc.uint8Array({ maxLength: 64 }),
    timestamp: fc.nat({ max: 100_000 }),
  })
  .map(({ packetType, fourCc, start, rest, timestamp }) => ({
    kind: 'audio',
    timestamp,
    payload: Buffer.concat([Buffer.from([0x90 | packetType]), Buffer.from(fourCc, 'latin1'), start ?? Buffer.alloc(0), Buffer.from(rest)]),
  }));
