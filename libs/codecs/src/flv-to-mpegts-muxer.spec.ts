import fc from 'fast-check';
import { FlvToMpegTsMuxer, MPEGTS_MUX_AUDIO_PID, MPEGTS_MUX_PMT_PID, MPEGTS_MUX_VIDEO_PID } from './flv-to-mpegts-muxer';
import { mpegTsCrc32 } from './mpegts-crc32';
import { MpegTsDemuxer } from './mpegts-demuxer';
import { type FlvTagBody, MpegTsToFlv } from './mpegts-to-flv';
import { eRtmpAudioTagArb } from './testing/e-rtmp-audio-arbitrary';
import { mpegTsFixtureAsFlv, readMpegTsFixture, tsPackets, tsPid } from './testing/mpegts-fixtures';
import { parseFlvVideoTagHeader } from './flv-video-tag-header';

function roundTrip(tags: FlvTagBody[]): { chunks: Buffer[]; back: FlvTagBody[]; demuxer: MpegTsDemuxer } {
  const muxer = new FlvToMpegTsMuxer();
  const chunks = tags.flatMap((t) => muxer.push(t));
  const demuxer = new MpegTsDemuxer();
  const ts = Buffer.concat(chunks);
  return { chunks, back: new MpegTsToFlv().pushAll([...demuxer.push(ts), ...demuxer.flush()]), demuxer };
}

const simplify = (tags: FlvTagBody[]): string[] => tags.map((t) => `${t.kind} ${t.timestamp} ${t.payload.toString('hex')}`);

describe('FlvToMpegTsMuxer', () => {
  describe.each(['h264-aac', 'hevc-aac', 'h264-opus', 'h264-ac3', 'h264-eac3'] as const)('with the FLV of %s', (name) => {
    const tags = mpegTsFixtureAsFlv(name);
    const { chunks, back, demuxer } = roundTrip(tags);
    const packets = tsPackets(Buffer.concat(chunks));

    it('returns whole 188-byte packets in groups of at most 7 (1316 bytes)', () => {
      for (const c of chunks) {
        expect(c.length % 188).toBe(0);
        expect(c.length).toBeLessThanOrEqual(1316);
      }
      for (const p of packets) expect(p[0]).toBe(0x47);
    });

    it('round-trips: the demuxer and MpegTsToFlv give back the same tag bodies', () => {
      expect(simplify(back)).toEqual(simplify(tags));
      expect(demuxer.stats).toMatchObject({ continuityErrors: 0, discontinuities: 0, droppedBytes: 0 });
    });

    it('counts continuity per PID from 0 without gaps', () => {
      const next = new Map<number, number>();
      for (const p of packets) {
        const pid = tsPid(p);
        const hasPayload = ((p[3] as number) & 0x10) !== 0;
        expect(hasPayload).toBe(true);
        expect((p[3] as number) & 0x0f).toBe(next.get(pid) ?? 0);
        next.set(pid, (((p[3] as number) & 0x0f) + 1) & 0x0f);
      }
      expect([...next.keys()].sort((a, b) => a - b)).toEqual([0, MPEGTS_MUX_VIDEO_PID, MPEGTS_MUX_AUDIO_PID, MPEGTS_MUX_PMT_PID]);
    });

    it('puts a PAT and a PMT with valid CRCs right before every keyframe, and a PCR on its first packet', () => {
      const keyframes = tags.filter((t) => t.kind === 'video' && parseFlvVideoTagHeader(t.payload).isKeyframe && !parseFlvVideoTagHeader(t.payload).isSequenceHeader);
      let seen = 0;
      packets.forEach((p, i) => {
        const randomAccess = tsPid(p) === MPEGTS_MUX_VIDEO_PID && ((p[3] as number) & 0x20) !== 0 && ((p[5] as number) & 0x40) !== 0;
        if (!randomAccess) return;
        seen++;
        expect([tsPid(packets[i - 2] as Buffer), tsPid(packets[i - 1] as Buffer)]).toEqual([0, MPEGTS_MUX_PMT_PID]);
        expect((p[5] as number) & 0x10).toBe(0x10); // PCR flag
        for (const table of [packets[i - 2], packets[i - 1]] as Buffer[]) {
          const length = 3 + ((((table[6] as number) & 0x0f) << 8) | (table[7] as number));
          expect(mpegTsCrc32(table, 5, 5 + length)).toBe(0);
        }
      });
      expect(seen).toBe(keyframes.length);
    });
  });

  describe("with E-RTMP 'hvc1' tags", () => {
    it('muxes the same TS as for codec-id-12 HEVC, so the demuxer gives back the same frames', () => {
      const d = new MpegTsDemuxer();
      const aus = [...d.push(readMpegTsFixture('hevc-aac')), ...d.flush()];
      const enhanced = new MpegTsToFlv({ hevc: 'hvc1' }).pushAll(aus);
      const legacy = new MpegTsToFlv().pushAll(aus);
      const muxEnhanced = new FlvToMpegTsMuxer();
      const muxLegacy = new FlvToMpegTsMuxer();
      expect(Buffer.concat(enhanced.flatMap((t) => muxEnhanced.push(t)))).toEqual(Buffer.concat(legacy.flatMap((t) => muxLegacy.push(t))));
      expect(muxEnhanced.stats.droppedFrames).toBe(0);
    });
  });

  describe('when frames arrive before their sequence header', () => {
    it('drops and counts them instead of throwing', () => {
      const tags = mpegTsFixtureAsFlv('h264-aac');
      const muxer = new FlvToMpegTsMuxer();
      const frames = tags.filter((t) => !(t.kind === 'video' ? parseFlvVideoTagHeader(t.payload).isSequenceHeader : t.payload[1] === 0));
      expect(frames.slice(0, 5).flatMap((t) => muxer.push(t))).toEqual([]);
      expect(muxer.stats.droppedFrames).toBe(5);
    });
  });

  describe('when a tag is malformed', () => {
    it('drops it and keeps going', () => {
      const muxer = new FlvToMpegTsMuxer();
      expect(muxer.push({ kind: 'video', timestamp: 0, payload: Buffer.from([0x17, 0x00, 0, 0, 0, 0x01]) })).toEqual([]);
      expect(muxer.push({ kind: 'audio', timestamp: 0, payload: Buffer.from([0xaf]) })).toEqual([]);
      expect(muxer.push({ kind: 'script', timestamp: 0, payload: Buffer.alloc(3) })).toEqual([]);
      expect(muxer.stats.droppedFrames).toBe(2);
    });

    it('never throws on hostile E-RTMP audio tags, and what it writes the demuxer reads back without damage (property)', () => {
      fc.assert(
        fc.property(fc.array(eRtmpAudioTagArb, { maxLength: 30 }), (tags) => {
          const muxer = new FlvToMpegTsMuxer();
          const ts = Buffer.concat(tags.flatMap((t) => muxer.push(t)));
          expect(ts.length % 188).toBe(0);
          const demuxer = new MpegTsDemuxer();
          demuxer.push(ts);
          demuxer.flush();
          expect(demuxer.stats.continuityErrors).toBe(0);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
