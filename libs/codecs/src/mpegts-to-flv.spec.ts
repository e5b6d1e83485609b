import { parseAc3SyncFrameHeader } from './ac3-sync-frame';
import { parseAudioSpecificConfig } from './aac-audio-specific-config';
import { parseAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
import { parseFlvAudioTagHeader } from './flv-audio-tag-header';
import { parseFlvVideoTagHeader } from './flv-video-tag-header';
import { parseHevcDecoderConfigurationRecord } from './hevc-decoder-configuration-record';
import { type MpegTsAccessUnit, MpegTsDemuxer } from './mpegts-demuxer';
import { type FlvTagBody, MpegTsToFlv } from './mpegts-to-flv';
import { MPEGTS_FIXTURES, type MpegTsFixtureName, readMpegTsFixture } from './testing/mpegts-fixtures';

function aus(name: MpegTsFixtureName): MpegTsAccessUnit[] {
  const d = new MpegTsDemuxer();
  return [...d.push(readMpegTsFixture(name)), ...d.flush()];
}

const isSequenceHeader = (t: FlvTagBody): boolean =>
  t.kind === 'video' ? parseFlvVideoTagHeader(t.payload).isSequenceHeader : parseFlvAudioTagHeader(t.payload).isSequenceHeader;

describe('MpegTsToFlv', () => {
  describe.each(Object.keys(MPEGTS_FIXTURES) as MpegTsFixtureName[])('with the access units of %s', (name) => {
    const expected = MPEGTS_FIXTURES[name];
    const converter = new MpegTsToFlv();
    const tags = converter.pushAll(aus(name));
    const video = tags.filter((t) => t.kind === 'video');
    const audio = tags.filter((t) => t.kind === 'audio');

    // AC-3 and E-AC-3 sync frames describe themselves: E-RTMP gives them no sequence header.
    const audioHeaders = expected.audio === 'ac3' || expected.audio === 'eac3' ? 0 : 1;

    it('sends one sequence header per stream before any frame (none for AC-3 / E-AC-3), then every frame', () => {
      expect(isSequenceHeader(video[0] as FlvTagBody)).toBe(true);
      expect(isSequenceHeader(audio[0] as FlvTagBody)).toBe(audioHeaders === 1);
      expect(video.filter(isSequenceHeader)).toHaveLength(1);
      expect(audio.filter(isSequenceHeader)).toHaveLength(audioHeaders);
      expect(video).toHaveLength(expected.videoFrames + 1);
      expect(audio).toHaveLength(expected.audioFrames + audioHeaders);
      expect(converter.stats).toEqual({ droppedAccessUnits: 0, sequenceHeaders: 1 + audioHeaders });
    });

    it('builds a decoder configuration the parsers read back', () => {
      const v = parseFlvVideoTagHeader((video[0] as FlvTagBody).payload);
      const body = (video[0] as FlvTagBody).payload.subarray(v.headerSize);
      if (expected.video === 'h264') {
        expect(v.codecId).toBe(7);
        const record = parseAvcDecoderConfigurationRecord(body);
        expect([record.nalUnitLengthSize, record.sps.length, record.pps.length]).toEqual([4, 1, 1]);
      } else {
        expect(v.codecId).toBe(12);
        const record = parseHevcDecoderConfigurationRecord(body);
        expect([record.nalUnitLengthSize, record.vps.length, record.sps.length, record.pps.length]).toEqual([4, 1, 1, 1]);
        expect(body[1]).toBe(0x01); // general_profile_idc 1: Main
      }
      const a = parseFlvAudioTagHeader((audio[0] as FlvTagBody).payload);
      const config = (audio[0] as FlvTagBody).payload.subarray(a.headerSize);
      if (expected.audio === 'aac') {
        expect(parseAudioSpecificConfig(config)).toMatchObject({ objectType: 2, sampleRate: expected.sampleRate, channels: expected.channels });
      } else if (expected.audio === 'ac3' || expected.audio === 'eac3') {
        // E-RTMP CodedFrames with FourCC 'ac-3' / 'ec-3', each one whole sync frame.
        expect([a.fourCc, a.exPacketType]).toEqual([expected.audio === 'ac3' ? 'ac-3' : 'ec-3', 1]);
        expect(parseAc3SyncFrameHeader(config)).toMatchObject({ codec: expected.audio, sampleRate: expected.sampleRate, channels: expected.channels });
      } else {
        expect(a.fourCc).toBe('Opus');
        expect(config.toString('latin1', 0, 8)).toBe('OpusHead');
        expect(config[9]).toBe(2);
      }
    });

    it('writes frames as AVCC without AUD or parameter sets, keyframe first', () => {
      const frames = video.slice(1);
      expect(parseFlvVideoTagHeader((frames[0] as FlvTagBody).payload).isKeyframe).toBe(true);
      for (const f of frames) {
        const h = parseFlvVideoTagHeader(f.payload);
        let pos = h.headerSize;
        while (pos < f.payload.length) {
          const length = f.payload.readUInt32BE(pos);
          const nalHeader = f.payload[pos + 4] as number;
          const type = expected.video === 'h264' ? nalHeader & 0x1f : (nalHeader >> 1) & 0x3f;
          expect(expected.video === 'h264' ? [7, 8, 9] : [32, 33, 34, 35]).not.toContain(type);
          pos += 4 + length;
        }
        expect(pos).toBe(f.payload.length);
      }
    });

    it('gives non-negative ms timestamps that never go backwards, with PTS - DTS as composition time', () => {
      for (const list of [video, audio]) {
        for (let i = 1; i < list.length; i++) expect((list[i] as FlvTagBody).timestamp).toBeGreaterThanOrEqual((list[i - 1] as FlvTagBody).timestamp);
        expect(Math.min(...list.map((t) => t.timestamp))).toBeGreaterThanOrEqual(0);
        for (const t of list) expect(Number.isInteger(t.timestamp)).toBe(true);
      }
      if (name === 'h264-aac') {
        // x264 with 2 B-frames: the keyframe is shown 2 frames after it is decoded.
        expect(parseFlvVideoTagHeader((video[1] as FlvTagBody).payload).compositionTime).toBe(80);
      }
    });
  });

  describe('when the stream starts mid-GOP or before parameter sets', () => {
    it('drops frames until parameter sets and a keyframe arrive', () => {
      const all = aus('h264-aac');
      const video = all.filter((a) => a.codec === 'h264');
      const converter = new MpegTsToFlv();
      // Frames 1..9 are inter frames without SPS/PPS; frame 10 is the next IDR with them.
      const tags = converter.pushAll(video.slice(1));
      expect(converter.stats.droppedAccessUnits).toBe(9);
      expect(isSequenceHeader(tags[0] as FlvTagBody)).toBe(true);
      expect(parseFlvVideoTagHeader((tags[1] as FlvTagBody).payload).isKeyframe).toBe(true);
    });
  });

  describe('when the SPS changes', () => {
    it('sends a new sequence header before the frame', () => {
      const video = aus('h264-aac').filter((a) => a.codec === 'h264');
      const other = aus('h264-opus').filter((a) => a.codec === 'h264'); // another SPS (baseline, no B-frames)
      const converter = new MpegTsToFlv();
      const tags = converter.pushAll([...video.slice(0, 5), ...other.slice(0, 3).map((a) => ({ ...a, dtsMs: a.dtsMs + 200, ptsMs: a.ptsMs + 200 }))]);
      expect(tags.filter(isSequenceHeader)).toHaveLength(2);
      expect(converter.stats.sequenceHeaders).toBe(2);
    });
  });

  describe('when timestamps step back', () => {
    it('never lets video time go backwards', () => {
      const video = aus('h264-aac').filter((a) => a.codec === 'h264');
      const shuffled = [video[0], { ...(video[1] as MpegTsAccessUnit), dtsMs: 500, ptsMs: 520 }, video[2], video[3]] as MpegTsAccessUnit[];
      const tags = new MpegTsToFlv().pushAll(shuffled).filter((t) => !isSequenceHeader(t));
      expect(tags.map((t) => t.timestamp)).toEqual([0, 500, 500, 500]);
    });
  });

  describe("when HEVC is to be written as E-RTMP 'hvc1'", () => {
    const source = aus('hevc-aac');
    const tags = new MpegTsToFlv({ hevc: 'hvc1' }).pushAll(source);
    const legacy = new MpegTsToFlv().pushAll(source);
    const video = tags.filter((t) => t.kind === 'video');

    it('writes a SequenceStart with the same hvcC, then coded frames keyframe first, all with FourCC hvc1', () => {
      const headers = video.map((t) => parseFlvVideoTagHeader(t.payload));
      expect(headers.every((h) => h.isEnhanced && h.fourCc === 'hvc1' && h.codecId === 12)).toBe(true);
      expect(headers[0]).toMatchObject({ isSequenceHeader: true, exPacketType: 0 });
      expect(headers[1]).toMatchObject({ isKeyframe: true, avcPacketType: 1 });
      const legacyVideo = legacy.filter((t) => t.kind === 'video');
      // Same configuration record and the same NAL units: only the tag header differs.
      expect(video.map((t, i) => t.payload.subarray(headers[i]?.headerSize))).toEqual(
        legacyVideo.map((t) => t.payload.subarray(parseFlvVideoTagHeader(t.payload).headerSize)),
      );
      expect(video.map((t) => t.timestamp)).toEqual(legacyVideo.map((t) => t.timestamp));
    });

    it('uses CodedFramesX where the composition time is 0 and CodedFrames with it where it is not', () => {
      // libx265's fixture has no B-frames; delaying every other picture's PTS gives both cases.
      const delayed = source.map((a, i) => (a.codec === 'hevc' && i % 2 === 1 ? { ...a, ptsMs: a.ptsMs + 80 } : a));
      const frames = new MpegTsToFlv({ hevc: 'hvc1' }).pushAll(delayed).filter((t) => t.kind === 'video');
      const legacyCts = new MpegTsToFlv()
        .pushAll(delayed)
        .filter((t) => t.kind === 'video')
        .map((t) => parseFlvVideoTagHeader(t.payload).compositionTime);
      expect(new Set(legacyCts)).toEqual(new Set([0, 80]));
      frames.forEach((t, i) => {
        const h = parseFlvVideoTagHeader(t.payload);
        if (h.isSequenceHeader) return;
        expect(h.exPacketType).toBe(legacyCts[i] === 0 ? 3 : 1);
        expect(h.compositionTime).toBe(legacyCts[i]);
      });
    });

    it('leaves AAC audio as legacy FLV AAC', () => {
      expect(tags.filter((t) => t.kind === 'audio').every((t) => parseFlvAudioTagHeader(t.payload).soundFormat === 10)).toBe(true);
    });
  });
});
