import { spawn } from 'node:child_process';
import { encodeFlvHeader, encodeFlvTag } from './flv-encoder';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO } from './flv-constants';
import { FlvToMpegTsMuxer } from './flv-to-mpegts-muxer';
import { MpegTsDemuxer } from './mpegts-demuxer';
import { type FlvTagBody, MpegTsToFlv } from './mpegts-to-flv';
import { MPEGTS_FIXTURES, type MpegTsFixtureName, readMpegTsFixture } from './testing/mpegts-fixtures';

interface Probe {
  stderr: string;
  streams: Array<{ codec_name: string; nb_read_frames?: string; width?: number; sample_rate?: string }>;
}

/** Real ffprobe reading `input` from stdin, decoding every frame (-count_frames); stderr at -v error must stay empty. */
function ffprobe(input: Buffer, format: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', ['-v', 'error', '-f', format, '-count_frames', '-show_streams', '-of', 'json', 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffprobe exited ${code}: ${stderr}`));
      resolve({ stderr, streams: (JSON.parse(stdout) as { streams: Probe['streams'] }).streams });
    });
    child.stdin.on('error', () => undefined); // ffprobe may stop reading early; its exit code tells
    child.stdin.end(input);
  });
}

function flvOf(name: MpegTsFixtureName): FlvTagBody[] {
  const d = new MpegTsDemuxer();
  return new MpegTsToFlv().pushAll([...d.push(readMpegTsFixture(name)), ...d.flush()]);
}

describe('MPEG-TS muxer and demuxer against real ffprobe', () => {
  describe.each(['h264-aac', 'hevc-aac', 'h264-opus'] as const)('FlvToMpegTsMuxer output for %s', (name) => {
    it('is read by ffprobe without errors, with every frame of both streams', async () => {
      const muxer = new FlvToMpegTsMuxer();
      const ts = Buffer.concat(flvOf(name).flatMap((t) => muxer.push(t)));
      const probe = await ffprobe(ts, 'mpegts');
      const expected = MPEGTS_FIXTURES[name];
      expect(probe.stderr).toBe('');
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
      for (const t of flvOf('h264-aac')) parts.push(encodeFlvTag(t.kind === 'video' ? FLV_TAG_VIDEO : FLV_TAG_AUDIO, t.timestamp, t.payload));
      const probe = await ffprobe(Buffer.concat(parts), 'flv');
      expect(probe.stderr).toBe('');
      expect(probe.streams.map((s) => [s.codec_name, Number(s.nb_read_frames)]).sort()).toEqual([
        ['aac', 48],
        ['h264', 25],
      ]);
    });
  });
});
