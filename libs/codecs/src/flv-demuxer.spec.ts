import fc from 'fast-check';
import { decodeAmf0 } from './amf0-decoder';
import { amf0Properties } from './amf0-types';
import { FlvDemuxError } from './codec-errors';
import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, FLV_TAG_VIDEO } from './flv-constants';
import { DEFAULT_FLV_MAX_TAG_SIZE, FlvDemuxer, type FlvTag } from './flv-demuxer';
import { encodeFlvHeader, encodeFlvTag } from './flv-encoder';
import { FLV_SAMPLE, FLV_SAMPLE_TAG_COUNT } from './testing/flv-sample-fixture';

const simplify = (tags: FlvTag[]): { type: number; timestamp: number; data: string }[] =>
  tags.map((t) => ({ type: t.type, timestamp: t.timestamp, data: t.data.toString('hex') }));

function pushInChunks(demuxer: FlvDemuxer, buf: Buffer, sizes: number[]): FlvTag[] {
  const tags: FlvTag[] = [];
  let pos = 0;
  for (const size of sizes) {
    if (pos >= buf.length) break;
    tags.push(...demuxer.push(buf.subarray(pos, pos + size)));
    pos += size;
  }
  if (pos < buf.length) tags.push(...demuxer.push(buf.subarray(pos)));
  return tags;
}

const arbTag = fc.record({
  type: fc.constantFrom(FLV_TAG_AUDIO, FLV_TAG_VIDEO, FLV_TAG_SCRIPT),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
});

describe('FlvDemuxer', () => {
  describe('when fed a real FFmpeg FLV in one chunk', () => {
    const demuxer = new FlvDemuxer();
    const tags = demuxer.push(FLV_SAMPLE);

    it('reads the file header flags', () => {
      expect(demuxer.header).toEqual({ version: 1, hasAudio: true, hasVideo: true });
    });

    it('returns every tag with its type and timestamp', () => {
      expect(tags).toHaveLength(FLV_SAMPLE_TAG_COUNT);
      expect(tags.slice(0, 5).map((t) => [t.type, t.timestamp, t.data.length])).toEqual([
        [FLV_TAG_SCRIPT, 0, 268],
        [FLV_TAG_VIDEO, 0, 44],
        [FLV_TAG_AUDIO, 0, 7],
        [FLV_TAG_VIDEO, 0, 1023],
        [FLV_TAG_VIDEO, 100, 31],
      ]);
      expect(tags.at(-1)?.data.toString('hex')).toBe('1702000000');
    });

    it('yields onMetaData that decodes as AMF0', () => {
      const [name, metadata] = decodeAmf0((tags[0] as FlvTag).data);
      expect(name).toBe('onMetaData');
      expect(amf0Properties(metadata)).toMatchObject({
        width: 48,
        height: 32,
        framerate: 10,
        videocodecid: 7,
        audiocodecid: 10,
        audiosamplerate: 44100,
        stereo: true,
      });
    });

    it('ends cleanly', () => {
      expect(() => demuxer.end()).not.toThrow();
      expect(demuxer.bufferedBytes).toBe(0);
    });
  });

  describe('when the same FLV arrives one byte at a time', () => {
    it('returns identical tags', () => {
      const demuxer = new FlvDemuxer();
      const tags: FlvTag[] = [];
      for (let i = 0; i < FLV_SAMPLE.length; i++) tags.push(...demuxer.push(FLV_SAMPLE.subarray(i, i + 1)));
      expect(simplify(tags)).toEqual(simplify(new FlvDemuxer().push(FLV_SAMPLE)));
    });
  });

  describe('when tags are split at arbitrary chunk boundaries', () => {
    it('returns the tags that were encoded, in order', () => {
      fc.assert(
        fc.property(fc.array(arbTag, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 50 }), (tags, sizes) => {
          const stream = Buffer.concat([encodeFlvHeader({ audio: true, video: true }), ...tags.map((t) => encodeFlvTag(t.type, t.timestamp, t.data))]);
          const demuxer = new FlvDemuxer();
          expect(simplify(pushInChunks(demuxer, stream, sizes))).toEqual(simplify(tags));
          demuxer.end();
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when the body is contained in one large pushed chunk', () => {
    it('returns a zero-copy view of that chunk', () => {
      const chunk = Buffer.concat([encodeFlvHeader({ audio: false, video: true }), encodeFlvTag(FLV_TAG_VIDEO, 0, Buffer.alloc(2000, 7))]);
      const [tag] = new FlvDemuxer().push(chunk);
      expect(tag?.data.buffer).toBe(chunk.buffer);
      expect(tag?.data.byteOffset).toBe(chunk.byteOffset + 13 + 11);
    });
  });

  describe('when a large tag is trickled in one byte per push', () => {
    it('coalesces the bytes instead of holding one Buffer object per push', () => {
      const body = Buffer.alloc(200_000, 0x5a);
      const stream = Buffer.concat([encodeFlvHeader({ audio: false, video: true }), encodeFlvTag(FLV_TAG_VIDEO, 3, body)]);
      const demuxer = new FlvDemuxer();
      const tags: FlvTag[] = [];
      for (let i = 0; i < stream.length; i++) tags.push(...demuxer.push(stream.subarray(i, i + 1)));
      expect(tags).toHaveLength(1);
      expect(tags[0]?.data.equals(body)).toBe(true);
    });
  });

  describe('when the timestamp uses the extension byte', () => {
    it('returns the full unsigned 32-bit value', () => {
      const stream = Buffer.concat([encodeFlvHeader({ audio: true, video: false }), encodeFlvTag(FLV_TAG_AUDIO, 0xfedcba98, Buffer.alloc(1))]);
      expect(new FlvDemuxer().push(stream)[0]?.timestamp).toBe(0xfedcba98);
    });
  });

  describe('when a tag is larger than maxTagSize', () => {
    it('throws FlvDemuxError from the tag header, before the body is buffered', () => {
      const demuxer = new FlvDemuxer({ maxTagSize: 1000 });
      demuxer.push(encodeFlvHeader({ audio: true, video: true }));
      const header = Buffer.from('09' + '0003e9' + '000000' + '00' + '000000', 'hex');
      expect(() => demuxer.push(header)).toThrow(new FlvDemuxError('FLV tag of 1001 bytes exceeds maxTagSize 1000'));
    });

    it('defaults to 16 MiB', () => {
      expect(DEFAULT_FLV_MAX_TAG_SIZE).toBe(16 * 1024 * 1024);
    });
  });

  describe('when the stream is not FLV', () => {
    it('fails on the first wrong signature byte without waiting for a full header', () => {
      expect(() => new FlvDemuxer().push(Buffer.from('GET'))).toThrow(/not an FLV stream: signature byte 0 is 0x47/);
    });

    it('rejects an unknown version', () => {
      expect(() => new FlvDemuxer().push(Buffer.from('464c560205000000090000000000', 'hex'))).toThrow(/unsupported FLV version 2/);
    });

    it('rejects a DataOffset smaller than the header', () => {
      expect(() => new FlvDemuxer().push(Buffer.from('464c56010500000008', 'hex'))).toThrow(/DataOffset 8/);
    });
  });

  describe('when DataOffset announces extra header bytes', () => {
    it('skips them before PreviousTagSize0', () => {
      const header = Buffer.from('464c5601050000000c' + 'aabbcc' + '00000000', 'hex');
      const tags = new FlvDemuxer().push(Buffer.concat([header, encodeFlvTag(FLV_TAG_SCRIPT, 1, Buffer.from('x'))]));
      expect(simplify(tags)).toEqual([{ type: FLV_TAG_SCRIPT, timestamp: 1, data: '78' }]);
    });
  });

  describe('when a tag has the Filter (encryption) bit', () => {
    it('throws FlvDemuxError rather than passing ciphertext on as media', () => {
      const tag = encodeFlvTag(FLV_TAG_AUDIO, 0, Buffer.alloc(2));
      tag[0] = 0x28;
      expect(() => new FlvDemuxer({ expectHeader: false }).push(tag)).toThrow(/Filter bit/);
    });
  });

  describe('when created with expectHeader false', () => {
    it('parses a bare tag sequence', () => {
      const tags = new FlvDemuxer({ expectHeader: false }).push(encodeFlvTag(FLV_TAG_VIDEO, 7, Buffer.from('17', 'hex')));
      expect(simplify(tags)).toEqual([{ type: FLV_TAG_VIDEO, timestamp: 7, data: '17' }]);
    });
  });

  describe('after an error', () => {
    it('keeps failing instead of parsing from a desynchronised position', () => {
      const demuxer = new FlvDemuxer();
      expect(() => demuxer.push(Buffer.from('XLV'))).toThrow(FlvDemuxError);
      expect(() => demuxer.push(FLV_SAMPLE)).toThrow(/already failed: not an FLV stream/);
      expect(() => demuxer.end()).toThrow(/already failed/);
    });
  });

  describe('when the stream ends mid-tag', () => {
    it('end() throws FlvDemuxError saying where', () => {
      const demuxer = new FlvDemuxer();
      demuxer.push(FLV_SAMPLE.subarray(0, 400));
      expect(() => demuxer.end()).toThrow(/FLV stream ended inside tag body \(12 of 1023 bytes\)/);
    });

    it('end() tolerates a missing final PreviousTagSize', () => {
      const demuxer = new FlvDemuxer();
      demuxer.push(FLV_SAMPLE.subarray(0, FLV_SAMPLE.length - 4));
      expect(() => demuxer.end()).not.toThrow();
    });
  });

  describe('when given random or truncated bytes', () => {
    it('never throws anything but FlvDemuxError', () => {
      fc.assert(
        fc.property(fc.boolean(), fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 64 }), (withHeader, bytes, chunk) => {
          const input = withHeader ? Buffer.concat([encodeFlvHeader({ audio: true, video: true }), bytes]) : Buffer.from(bytes);
          const demuxer = new FlvDemuxer({ maxTagSize: 100 });
          try {
            pushInChunks(demuxer, input, Array<number>(input.length).fill(chunk));
            demuxer.end();
          } catch (error) {
            if (!(error instanceof FlvDemuxError)) throw error;
          }
        }),
        { numRuns: 500 },
      );
    });

    it('returns a prefix of the real tags for any truncation of a real file', () => {
      const all = simplify(new FlvDemuxer().push(FLV_SAMPLE));
      fc.assert(
        fc.property(fc.integer({ min: 0, max: FLV_SAMPLE.length }), (cut) => {
          const tags = simplify(new FlvDemuxer().push(FLV_SAMPLE.subarray(0, cut)));
          expect(tags).toEqual(all.slice(0, tags.length));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('when options are invalid', () => {
    it('throws a RangeError for a negative maxTagSize', () => {
      expect(() => new FlvDemuxer({ maxTagSize: -1 })).toThrow(RangeError);
    });
  });
});
