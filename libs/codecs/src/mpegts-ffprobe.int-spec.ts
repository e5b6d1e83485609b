import { encodeFlvHeader, encodeFlvTag } from './flv-encoder';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO } from './flv-constants';
import { FlvToMpegTsMuxer } from './flv-to-mpegts-muxer';
import { ffprobeStdin } from './testing/ffprobe-stdin';
import { MPEGTS_FIXTURES, mpegTsFixtureAsFlv } from './testing/mpegts-fixtures';

interface Probe {
  streams: Array<{ codec_name: string; nb_read_frames?: string; width?: number; sample_rate?: string }>;
}

/** ffprobe decoding every frame of `input` (-count_frames). */
function ffprobe(input: Buffer, format: string): Promise<Probe> {
  return ffprobeStdin<Probe>(input, ['-f', format, '-count_frames', '-show_streams']);
}

describe('MPEG-TS muxer and demuxer against real ffprobe', () => {
  describe.each(['h264-aac', 'hevc-aac', 'h264-opus', 'h264-ac3', 'h264-eac3'] as const)('FlvToMpegTsMuxer output for %s', (name) => {
    it('is read by ffprobe without errors, with every frame of both streams', async () => {
      const muxer = new FlvToMpegTsMuxer();
      const ts = Buffer.concat(mpegTsFixtureAsFlv(name).flatMap((t) => muxer.push(t)));
      const probe = await ffprobe(ts, 'mpegts');
      const expected = MPEGTS_FIXTURES[name];
      expect(probe.streams.map((s) => [s.codec_name, Number(s.nb_read_frames)])).toEqual([
        [expected.video, expected.videoFrames],
        [expected.audio, expected.audioFrames],
      ]);
      expect(probe.streams[0]?.width).toBe(160);
    });
  });

  describe('MpegTsToFlv output for h264-aac written as an FLV file', () => {
    it('is read by ffprobe without errors, with every frame', async () => {
      const parts = [encodeFlvHeader({ audio: true, video: true })];
      for (const t of mpegTsFixtureAsFlv('h264-aac')) parts.push(encodeFlvTag(t.kind === 'video' ? FLV_TAG_VIDEO : FLV_TAG_AUDIO, t.timestamp, t.payload));
      const probe = await ffprobe(Buffer.concat(parts), 'flv');
      expect(probe.streams.map((s) => [s.codec_name, Number(s.nb_read_frames)]).sort()).toEqual([
        ['aac', 48],
        ['h264', 25],
      ]);
    });
  });
});
