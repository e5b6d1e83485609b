import { spawn } from 'node:child_process';
import { FlvToMatroskaMuxer } from './flv-to-matroska-muxer';
import { parseFlvVideoTagHeader } from './flv-video-tag-header';
import { IvfReader } from './ivf-reader';
import { IvfToFlv } from './ivf-to-flv';
import type { FlvTagBody } from './mpegts-to-flv';
import { ffprobeStdin } from './testing/ffprobe-stdin';

const FRAMES = 30;
const GOP = 10;

/**
 * Real AV1 (libaom, real-time) or VP9 (libvpx) from FFmpeg 5.1 as IVF: 30 frames of 320x180 with a keyframe
 * every 10. Not @mediaplane/testing's encodeIvf: the codecs library sits below it and may not import it.
 */
function encodeIvf(codec: 'av1' | 'vp9'): Promise<Buffer> {
  const encoder =
    codec === 'av1'
      ? ['-c:v', 'libaom-av1', '-usage', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0']
      : ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0'];
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=25',
    '-frames:v',
    String(FRAMES),
    ...encoder,
    '-g',
    String(GOP),
    '-f',
    'ivf',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

/** The IVF read in small pieces, as from a pipe, and turned into E-RTMP tag bodies. */
function toFlv(ivf: Buffer): FlvTagBody[] {
  const reader = new IvfReader();
  let converter: IvfToFlv | undefined;
  const tags: FlvTagBody[] = [];
  for (let at = 0; at < ivf.length; at += 1000) {
    for (const frame of reader.push(ivf.subarray(at, at + 1000))) {
      converter ??= new IvfToFlv(reader.fourCc as string);
      tags.push(...converter.push(frame));
    }
  }
  return tags;
}

interface Probe {
  streams: Array<{ codec_name: string; nb_read_frames: string; width: number; height: number }>;
  packets: Array<{ pts: number; flags: string }>;
}

describe.each([
  ['av1', 'av01'],
  ['vp9', 'vp09'],
] as const)('%s from FFmpeg through IvfReader, IvfToFlv and FlvToMatroskaMuxer', (codec, fourCc) => {
  let tags: FlvTagBody[];
  beforeAll(async () => {
    tags = toFlv(await encodeIvf(codec));
  }, 60_000);

  it(`becomes E-RTMP '${fourCc}' tags: one SequenceStart, then every frame, keyframes where the encoder put them`, () => {
    const headers = tags.map((t) => parseFlvVideoTagHeader(t.payload));
    expect(headers.every((h) => h.fourCc === fourCc)).toBe(true);
    expect(headers.filter((h) => h.isSequenceHeader)).toHaveLength(1);
    const frames = tags.filter((_, i) => !headers[i]?.isSequenceHeader);
    expect(frames).toHaveLength(FRAMES);
    expect(frames.map((t) => t.timestamp)).toEqual(Array.from({ length: FRAMES }, (_, i) => i * 40));
    const keyframes = headers.filter((h) => !h.isSequenceHeader && h.isKeyframe).length;
    expect(keyframes).toBe(FRAMES / GOP);
  });

  it('is decoded by ffprobe from the Matroska without errors: every frame, at its time, with its size', async () => {
    const muxer = new FlvToMatroskaMuxer({ video: true, audio: false });
    const probe = await ffprobeStdin<Probe>(Buffer.concat(tags.map((t) => muxer.push(t))), [
      '-f',
      'matroska',
      '-count_frames',
      '-show_streams',
      '-show_entries',
      'packet=pts,flags',
    ]);
    expect(probe.streams.map((s) => [s.codec_name, Number(s.nb_read_frames), s.width, s.height])).toEqual([[codec, FRAMES, 320, 180]]);
    expect(probe.packets.map((p) => p.pts)).toEqual(Array.from({ length: FRAMES }, (_, i) => i * 40));
    expect(probe.packets.filter((p) => p.flags.startsWith('K'))).toHaveLength(FRAMES / GOP);
    expect(muxer.stats.droppedFrames).toBe(0);
  });
});
