import fc from 'fast-check';
import { AC3_HEADER_READ_BYTES, parseAc3SyncFrameHeader } from './ac3-sync-frame';

describe('parseAc3SyncFrameHeader', () => {
  // First 8 bytes of `ffmpeg -f lavfi -i sine=sample_rate=R -ac C -t 1 -c:a <codec> -f <codec> out`;
  // frame sizes checked against the file: 1 s of audio is (size ÷ ffprobe's packet count) bytes per frame.
  it.each([
    ['AC-3 48 kHz stereo 192 kb/s', '0b77fe95144043e1', { codec: 'ac3', sampleRate: 48_000, channels: 2, frameBytes: 768, samples: 1536, streamType: 0 }],
    ['AC-3 32 kHz mono 96 kb/s', '0b77952f8c402f84', { codec: 'ac3', sampleRate: 32_000, channels: 1, frameBytes: 576, samples: 1536, streamType: 0 }],
    // 5.1: acmod 7 (3/2) with both mix levels before lfeon; 44.1 kHz frames are 975 words, 976 with the odd code.
    ['AC-3 44.1 kHz 5.1 448 kb/s', '0b770dce5e40ebf8', { codec: 'ac3', sampleRate: 44_100, channels: 6, frameBytes: 1950, samples: 1536, streamType: 0 }],
    ['E-AC-3 48 kHz stereo', '0b77017f3487c000', { codec: 'eac3', sampleRate: 48_000, channels: 2, frameBytes: 768, samples: 1536, streamType: 0 }],
    ['E-AC-3 32 kHz mono', '0b77011fb287c000', { codec: 'eac3', sampleRate: 32_000, channels: 1, frameBytes: 576, samples: 1536, streamType: 0 }],
  ])('reads what FFmpeg wrote: %s', (_name, hex, expected) => {
    expect(parseAc3SyncFrameHeader(Buffer.from(hex, 'hex'))).toEqual(expected);
  });

  it("adds the odd frame-size code's extra word at 44.1 kHz only", () => {
    // frmsizecod 31 (448 kb/s, odd) at 44.1 kHz: 976 words.
    expect(parseAc3SyncFrameHeader(Buffer.from('0b770dce5f40ebf8', 'hex'))?.frameBytes).toBe(1952);
    // The same code at 48 kHz: 896 words either way.
    expect(parseAc3SyncFrameHeader(Buffer.from('0b770dce1f40ebf8', 'hex'))?.frameBytes).toBe(1792);
  });

  it('reads E-AC-3 reduced sample rates (fscod 3), block counts and dependent substreams', () => {
    // fscod 3, fscod2 1 (22.05 kHz, always 6 blocks), acmod 2, lfeon 1.
    expect(parseAc3SyncFrameHeader(Buffer.from('0b7700ffd5878000', 'hex'))).toMatchObject({
      codec: 'eac3',
      sampleRate: 22_050,
      channels: 3,
      samples: 1536,
      frameBytes: 512,
    });
    // numblkscod 0: one block of 256 samples; strmtyp 1: a dependent substream.
    expect(parseAc3SyncFrameHeader(Buffer.from('0b77403f0487c000', 'hex'))).toMatchObject({ samples: 256, streamType: 1, frameBytes: 128 });
  });

  it('reads at an offset and leaves what is not a sync frame undefined', () => {
    const frame = Buffer.from('0b77fe95144043e1', 'hex');
    expect(parseAc3SyncFrameHeader(Buffer.concat([Buffer.from([1, 2, 3]), frame]), 3)?.sampleRate).toBe(48_000);
    expect(parseAc3SyncFrameHeader(frame.subarray(0, AC3_HEADER_READ_BYTES - 1))).toBeUndefined(); // truncated
    expect(parseAc3SyncFrameHeader(Buffer.from('0b78fe95144043e1', 'hex'))).toBeUndefined(); // sync word
    expect(parseAc3SyncFrameHeader(Buffer.from('0b77fe95d44043e1', 'hex'))).toBeUndefined(); // fscod 3 in AC-3
    expect(parseAc3SyncFrameHeader(Buffer.from('0b77fe95264043e1', 'hex'))).toBeUndefined(); // frmsizecod 38
    expect(parseAc3SyncFrameHeader(Buffer.from('0b77fe95145043e1', 'hex'))).toBeUndefined(); // bsid 10: neither syntax
    expect(parseAc3SyncFrameHeader(Buffer.from('0b77c17f3487c000', 'hex'))).toBeUndefined(); // E-AC-3 strmtyp 3
  });

  it('never throws on arbitrary bytes, and whatever it accepts is a frame a demuxer can step over', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 16 }), fc.boolean(), (bytes, withSync) => {
        const buf = Buffer.from(bytes);
        if (withSync && buf.length >= 2) buf.writeUInt16BE(0x0b77, 0);
        const header = parseAc3SyncFrameHeader(buf);
        if (header === undefined) return;
        expect(header.frameBytes).toBeGreaterThanOrEqual(2);
        expect(header.frameBytes).toBeLessThanOrEqual(4096);
        expect([8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]).toContain(header.sampleRate);
        expect(header.channels).toBeGreaterThanOrEqual(1);
        expect(header.channels).toBeLessThanOrEqual(6);
        expect([256, 512, 768, 1536]).toContain(header.samples);
      }),
      { numRuns: 5000 },
    );
  });
});
