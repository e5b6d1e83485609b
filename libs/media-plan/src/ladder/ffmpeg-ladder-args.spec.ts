import { recordingExtension } from './recording-format';
import { DEFAULT_LADDER } from './default-ladder';
import { buildLadderArgs, type LadderArgsInput } from './ffmpeg-ladder-args';
import { planLadder } from './ladder-planner';
import type { SourceMedia } from './source-media';

const source: SourceMedia = { width: 1280, height: 720, fps: 30, videoCodec: 'h264', hasAudio: true, audioCodec: 'aac', bitrateKbps: 2500 };

function build(overrides: Partial<LadderArgsInput> = {}) {
  const plan = planLadder(source, DEFAULT_LADDER, { maxFps: 60 });
  return buildLadderArgs({
    inputUrl: 'http://ingest:8081/live/abc.flv?token=t',
    plan,
    source,
    encoder: 'libx264',
    segmentPattern: (r) => `/work/abc/${r.name}/r0-%d.ts`,
    thumbnail: { path: '/work/abc/thumbnail.jpg', intervalSeconds: 5 },
    ...overrides,
  });
}

/** Values following every occurrence of a flag. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}

describe('buildLadderArgs', () => {
  it('names the piped container: FLV by default, MPEG-TS for the internal TS pull of an HEVC source', () => {
    expect(valuesOf(build({ inputUrl: 'pipe:0' }).args, '-f')[0]).toBe('flv');
    const hevc = { ...source, videoCodec: 'hevc' };
    const { args } = build({ inputUrl: 'pipe:0', inputFormat: 'mpegts', plan: planLadder(hevc, DEFAULT_LADDER, { maxFps: 60 }), source: hevc });
    expect(valuesOf(args, '-f')[0]).toBe('mpegts');
    // No passthrough of HEVC: every rendition is H.264.
    expect(valuesOf(args, '-c:v').filter((c) => c !== 'mjpeg')).toEqual(['libx264', 'libx264', 'libx264']);
  });

  it('decodes once and splits into a scaling cascade at a constant frame rate', () => {
    const { args } = build();
    expect(valuesOf(args, '-i')).toEqual(['http://ingest:8081/live/abc.flv?token=t']);
    expect(valuesOf(args, '-filter_complex')).toEqual([
      '[0:v]fps=30,format=yuv420p,split=2[v0][c1];[c1]scale=854:480,split=2[v1][c2];[c2]scale=640:360,split=2[v2][th];[th]fps=1/5,scale=320:180:out_range=full[thumb]',
    ]);
  });

  it('gives every encoded rung a fixed GOP, no scene cuts and keyframes forced at segment boundaries', () => {
    const { args } = build();
    expect(valuesOf(args, '-c:v')).toEqual(['copy', 'libx264', 'libx264', 'libx264', 'mjpeg']);
    expect(valuesOf(args, '-g')).toEqual(['60', '60', '60']);
    expect(valuesOf(args, '-keyint_min')).toEqual(['60', '60', '60']);
    expect(valuesOf(args, '-sc_threshold')).toEqual(['0', '0', '0']);
    expect(new Set(valuesOf(args, '-force_key_frames'))).toEqual(new Set(['expr:gte(t,n_forced*2)']));
    expect(valuesOf(args, '-b:v')).toEqual(['2800k', '1400k', '800k']);
    expect(valuesOf(args, '-preset')).toEqual(['veryfast', 'veryfast', 'veryfast']);
  });

  it('cuts each rendition into 2-second MPEG-TS segments reported on its own pipe', () => {
    const { args, outputPipes, segmentListFd } = build();
    expect(outputPipes).toBe(4);
    expect([...segmentListFd]).toEqual([
      ['source', 3],
      ['720p', 4],
      ['480p', 5],
      ['360p', 6],
    ]);
    expect(valuesOf(args, '-segment_list')).toEqual(['pipe:3', 'pipe:4', 'pipe:5', 'pipe:6']);
    expect(valuesOf(args, '-segment_time')).toEqual(['2', '2', '2', '2']);
    expect(args).toContain('/work/abc/360p/r0-%d.ts');
    expect(valuesOf(args, '-progress')).toEqual(['pipe:1']);
  });

  it('copies AAC audio into the passthrough and encodes it per rung', () => {
    const { args } = build();
    expect(valuesOf(args, '-c:a')).toEqual(['copy', 'aac', 'aac', 'aac']);
    expect(valuesOf(args, '-b:a')).toEqual(['128k', '96k', '96k']);
  });

  it('adds a source-quality recording when asked', () => {
    const { args } = build({ recordingPath: '/rec/abc.ts' });
    const at = args.indexOf('/rec/abc.ts');
    expect(args.slice(at - 8, at + 1)).toEqual(['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-f', 'mpegts', '/rec/abc.ts']);
  });

  it("copies the recording's sound where MPEG-TS carries it as audio, and records FLAC as AAC", () => {
    const recording = (audioCodec: string) => {
      const { args } = build({ recordingPath: '/rec/abc.ts', source: { width: 1280, height: 720, audioCodec } });
      const end = args.indexOf('/rec/abc.ts');
      return args.slice(args.lastIndexOf('0:v:0', end) - 1, end + 1);
    };
    for (const copied of ['aac', 'ac3', 'eac3', 'opus', 'mp3'])
      expect(recording(copied)).toEqual(['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-f', 'mpegts', '/rec/abc.ts']);
    expect(recording('flac')).toEqual(['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-c:a', 'aac', '-b:a', '192k', '-f', 'mpegts', '/rec/abc.ts']);
  });

  it('records AV1 and VP9 sources in Matroska (MPEG-TS has no stream type for them), every sound copied', () => {
    for (const videoCodec of ['av1', 'vp9']) {
      for (const audioCodec of ['opus', 'flac', 'ac3']) {
        const source = { width: 854, height: 480, videoCodec, audioCodec };
        expect(recordingExtension(source)).toBe('mkv');
        const { args } = build({ recordingPath: '/rec/abc.mkv', source });
        const at = args.indexOf('/rec/abc.mkv');
        expect(args.slice(at - 8, at + 1)).toEqual(['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-f', 'matroska', '/rec/abc.mkv']);
      }
    }
    for (const videoCodec of ['h264', 'hevc', undefined]) expect(recordingExtension({ videoCodec, audioCodec: 'flac' })).toBe('ts');
  });

  it('uploads frames for VAAPI and names the device', () => {
    const { args } = build({ encoder: 'h264_vaapi', vaapiDevice: '/dev/dri/renderD129' });
    expect(valuesOf(args, '-vaapi_device')).toEqual(['/dev/dri/renderD129']);
    expect(valuesOf(args, '-filter_complex')[0]).toContain('[v0]format=nv12,hwupload[u0]');
    expect(valuesOf(args, '-map')).toContain('[u2]');
  });
});
