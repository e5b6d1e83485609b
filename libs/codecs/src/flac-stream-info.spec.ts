import fc from 'fast-check';
import { AudioParseError } from './codec-errors';
import { parseFlacStreamHeader } from './flac-stream-info';

// The start of `ffmpeg -f lavfi -i sine=sample_rate=48000 -ac 2 -t 0.1 -c:a flac -f flac`: 'fLaC', STREAMINFO (not last),
// a VORBIS_COMMENT ('ffmpeg' vendor, no comments) and 8 KiB of padding flagged last (cut to its header here).
const MARKER = '664c6143';
const STREAMINFO_BLOCK = '00000022120012000000780005110bb802f0000012c0ba43705036a3bb057849a9f54f6928a3';
const STREAMINFO_BODY = STREAMINFO_BLOCK.slice(8);
const COMMENT_BLOCK = '0400000e0600000066666d70656700000000';
const FFMPEG_HEADER = Buffer.from(MARKER + STREAMINFO_BLOCK + COMMENT_BLOCK, 'hex');

describe('parseFlacStreamHeader', () => {
  it("reads FFmpeg's 48 kHz stereo 16-bit header and gives it back whole, its last block flagged", () => {
    const info = parseFlacStreamHeader(FFMPEG_HEADER);
    expect([info.sampleRate, info.channels, info.bitsPerSample]).toEqual([48_000, 2, 16]);
    // The comment block was the last one given: flagged so, STREAMINFO untouched.
    expect(info.header.toString('hex')).toBe(MARKER + STREAMINFO_BLOCK + '84' + COMMENT_BLOCK.slice(2));
  });

  it('takes the three shapes writers use: the whole header, the metadata blocks alone, the bare STREAMINFO', () => {
    const whole = parseFlacStreamHeader(Buffer.from(MARKER + '80' + STREAMINFO_BLOCK.slice(2), 'hex'));
    const blocks = parseFlacStreamHeader(Buffer.from(STREAMINFO_BLOCK, 'hex'));
    const bare = parseFlacStreamHeader(Buffer.from(STREAMINFO_BODY, 'hex'));
    for (const info of [whole, blocks, bare]) {
      expect(info.header.toString('hex')).toBe(MARKER + '80' + STREAMINFO_BLOCK.slice(2));
      expect(info.sampleRate).toBe(48_000);
    }
  });

  it('reads 44.1 kHz mono 24-bit (FFmpeg with -sample_fmt s32)', () => {
    const info = parseFlacStreamHeader(Buffer.from('120012000004b30004b30ac441700000113a16ceef4cb515668bf7f644dc0cc8ffc8', 'hex'));
    expect([info.sampleRate, info.channels, info.bitsPerSample]).toEqual([44_100, 1, 24]);
  });

  it('stops at the block flagged last and ignores what follows it (the first audio frame, say)', () => {
    const header = Buffer.from(MARKER + '80' + STREAMINFO_BLOCK.slice(2) + 'fff8c90c', 'hex');
    expect(parseFlacStreamHeader(header).header).toHaveLength(4 + 4 + 34);
  });

  it('refuses what is not a FLAC header', () => {
    const refuse = (hex: string) => expect(() => parseFlacStreamHeader(Buffer.from(hex, 'hex'))).toThrow(AudioParseError);
    refuse(''); // nothing
    refuse(MARKER); // the marker alone
    refuse(MARKER + COMMENT_BLOCK); // no STREAMINFO first
    refuse(MARKER + STREAMINFO_BLOCK + '04ffffff'); // a block that runs past the end
    refuse(MARKER + '00000022' + '00'.repeat(34)); // a sample rate of 0
    refuse(MARKER + STREAMINFO_BLOCK + '04000000'.repeat(20)); // more blocks than any encoder writes
  });

  it('either reads any bytes or throws AudioParseError, never anything else, and keeps what it returns bounded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom('', MARKER, MARKER + '000000'), (bytes, prefix) => {
        const input = Buffer.concat([Buffer.from(prefix, 'hex'), Buffer.from(bytes)]);
        try {
          const info = parseFlacStreamHeader(input);
          expect(info.header.length).toBeLessThanOrEqual(Math.max(input.length + 4, 42));
          expect(info.channels).toBeGreaterThanOrEqual(1);
          expect(info.channels).toBeLessThanOrEqual(8);
        } catch (e) {
          expect(e).toBeInstanceOf(AudioParseError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
