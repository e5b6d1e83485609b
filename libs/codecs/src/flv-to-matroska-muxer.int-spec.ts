import { spawn } from 'node:child_process';
import { parseFlvAudioTagHeader } from './flv-audio-tag-header';
import { FlvToMatroskaMuxer } from './flv-to-matroska-muxer';
import { parseFlvVideoTagHeader } from './flv-video-tag-header';
import type { FlvTagBody } from './mpegts-to-flv';
import { ffprobeStdin } from './testing/ffprobe-stdin';
import { MPEGTS_FIXTURES, mpegTsFixtureAsFlv } from './testing/mpegts-fixtures';

function mux(tags: FlvTagBody[], tracks = { video: true, audio: true }): Buffer {
  const muxer = new FlvToMatroskaMuxer(tracks);
  return Buffer.concat(tags.map((t) => muxer.push(t)));
}

interface Probe {
  streams: Array<{ codec_name: string; nb_read_frames?: string; width?: number; sample_rate?: string; channels?: number }>;
  packets: Array<{ stream_index: number; pts: number; flags: string }>;
}

/** ffprobe decoding every frame of `input` as Matroska, with each packet's stream, PTS and flags. */
function ffprobe(input: Buffer): Promise<Probe> {
  return ffprobeStdin<Probe>(input, ['-f', 'matroska', '-count_frames', '-show_streams', '-show_entries', 'packet=stream_index,pts,flags']);
}

/**
 * How many video frames FFmpeg has given out of what was written to its stdin,
 * with the pipe left open: `-f framecrc` writes a line per packet and flushes
 * it. Stops at `expected`, or after a generous wait if FFmpeg holds some back.
 */
async function videoFramesOutWhileOpen(input: Buffer, expected: number): Promise<number> {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-analyzeduration', '0', '-probesize', '32', '-f', 'matroska', '-i', 'pipe:0'];
  const child = spawn('ffmpeg', [...args, '-map', '0:v:0', '-c', 'copy', '-flush_packets', '1', '-f', 'framecrc', 'pipe:1'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.on('error', () => undefined);
  let out = '';
  const count = () => out.split('\n').filter((line) => line.startsWith('0,')).length;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (count() < expected) return;
        clearTimeout(timer);
        resolve();
      });
      child.on('error', reject);
      child.stdin.write(input);
    });
    return count();
  } finally {
    child.kill('SIGKILL');
  }
}

describe('FlvToMatroskaMuxer against real FFmpeg 5.1', () => {
  describe.each(['h264-aac', 'hevc-aac', 'h264-opus', 'h264-ac3', 'h264-eac3'] as const)('for %s', (name) => {
    const tags = mpegTsFixtureAsFlv(name);
    const fixture = MPEGTS_FIXTURES[name];

    it('is read by ffprobe without errors: both codecs, every frame decoded, the picture size in the Tracks', async () => {
      const probe = await ffprobe(mux(tags));
      expect(probe.streams.map((s) => [s.codec_name, Number(s.nb_read_frames)])).toEqual([
        [fixture.video, fixture.videoFrames],
        [fixture.audio, fixture.audioFrames],
      ]);
      expect(probe.streams[0]?.width).toBe(160);
    });

    it('keeps every frame at its own presentation time, keyframes flagged', async () => {
      const probe = await ffprobe(mux(tags));
      const expected = tags.filter((t) => !isConfig(t)).map((t) => [t.kind === 'video' ? 0 : 1, t.timestamp + (t.kind === 'video' ? compositionTime(t) : 0)]);
      const got = probe.packets.map((p) => [p.stream_index, p.pts]);
      expect(got.sort(byTrackThenTime)).toEqual(expected.sort(byTrackThenTime));
      expect(probe.packets.filter((p) => p.stream_index === 0 && p.flags.startsWith('K')).length).toBeGreaterThanOrEqual(1);
    });

    it('lets FFmpeg give out each video frame as soon as it is written, with its input still open', async () => {
      const videoTags = tags.filter((t) => t.kind === 'video');
      const frames = videoTags.filter((t) => !isConfig(t)).length;
      expect(await videoFramesOutWhileOpen(mux(videoTags.slice(0, 6), { video: true, audio: false }), 5)).toBe(Math.min(5, frames));
    }, 30_000);
  });
});

function isConfig(tag: FlvTagBody): boolean {
  return tag.kind === 'video' ? parseFlvVideoTagHeader(tag.payload).isSequenceHeader : parseFlvAudioTagHeader(tag.payload).isSequenceHeader;
}

function compositionTime(tag: FlvTagBody): number {
  return parseFlvVideoTagHeader(tag.payload).compositionTime ?? 0;
}

function byTrackThenTime(a: number[], b: number[]): number {
  return (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number);
}
