import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { TsPublishFeed } from './ts-publish-feed';

const FIXTURE = readFileSync(join(__dirname, '../../../../libs/codecs/src/fixtures/h264-aac.mpegts'));

function collect() {
  const tags: Array<{ kind: 'audio' | 'video'; timestamp: number; payload: Buffer }> = [];
  return { tags, target: { onMedia: (kind: 'audio' | 'video', timestamp: number, payload: Buffer) => void tags.push({ kind, timestamp, payload }) } };
}

describe('TsPublishFeed', () => {
  it('turns an FFmpeg MPEG-TS into the FLV tag bodies an RTMP publisher would send, whatever the datagram sizes', () => {
    for (const size of [1316, 188, 777]) {
      const { tags, target } = collect();
      const feed = new TsPublishFeed(target);
      for (let i = 0; i < FIXTURE.length; i += size) expect(feed.push(FIXTURE.subarray(i, i + size))).toBeUndefined();
      const video = tags.filter((t) => t.kind === 'video');
      // AVC sequence header first, then a keyframe.
      expect(video[0]?.payload.subarray(0, 2)).toEqual(Buffer.from([0x17, 0x00]));
      expect(video[1]?.payload[0]).toBe(0x17);
      expect(tags.find((t) => t.kind === 'audio')?.payload.subarray(0, 2)).toEqual(Buffer.from([0xaf, 0x00]));
      expect(video.length).toBeGreaterThan(10);
    }
  });

  describe('when the stream is not MPEG-TS at all', () => {
    it('reports an error once (the connection is closed) and ignores whatever follows', () => {
      const { tags, target } = collect();
      const feed = new TsPublishFeed(target);
      let error;
      for (let i = 0; i < 100 && !error; i++) error = feed.push(Buffer.alloc(1316, 0x11));
      expect(error).toMatchObject({ code: 'demux', message: expect.any(String) });
      expect(feed.push(FIXTURE)).toBeUndefined();
      expect(tags).toEqual([]);
    });
  });

  it('never throws on random bytes or damaged TS (a lost datagram is a continuity gap, not an error)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 1316 }), { maxLength: 20 }), fc.integer({ min: 0, max: 40 }), (chunks, skip) => {
        const feed = new TsPublishFeed(collect().target);
        for (const c of chunks) feed.push(Buffer.from(c));
        const lossy = new TsPublishFeed(collect().target);
        for (let i = 0, n = 0; i < FIXTURE.length; i += 1316, n++) if (n % 41 !== skip) expect(lossy.push(FIXTURE.subarray(i, i + 1316))).toBeUndefined();
      }),
      { numRuns: 30 },
    );
  });
});
