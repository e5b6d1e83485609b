import { LadderSchema } from '@mediaplane/contracts';
import { DEFAULT_LADDER } from './default-ladder';
import { planLadder, scaledSize } from './ladder-planner';
import type { SourceMedia } from './source-media';

const h264 = (width: number, height: number, extra: Partial<SourceMedia> = {}): SourceMedia => ({
  width,
  height,
  fps: 30,
  videoCodec: 'h264',
  videoCodecString: 'avc1.64001f',
  hasAudio: true,
  audioCodec: 'aac',
  bitrateKbps: 3000,
  ...extra,
});

const sizes = (source: SourceMedia, ladder = DEFAULT_LADDER) =>
  planLadder(source, ladder, { maxFps: 60 }).renditions.map((r) => `${r.name}:${r.width}x${r.height}`);

describe('planLadder', () => {
  describe('with the default ladder', () => {
    it('gives a 1080p source every rung plus the source passthrough', () => {
      expect(sizes(h264(1920, 1080))).toEqual(['source:1920x1080', '1080p:1920x1080', '720p:1280x720', '480p:854x480', '360p:640x360']);
    });

    it('skips rungs above a 720p source', () => {
      expect(sizes(h264(1280, 720))).toEqual(['source:1280x720', '720p:1280x720', '480p:854x480', '360p:640x360']);
    });

    it('treats a rung as the short side of a portrait source', () => {
      expect(sizes(h264(720, 1280))).toEqual(['source:720x1280', '720p:720x1280', '480p:480x854', '360p:360x640']);
    });

    it('keeps the aspect ratio of odd sizes with even dimensions', () => {
      expect(sizes(h264(1366, 768))).toEqual(['source:1366x768', '720p:1280x720', '480p:854x480', '360p:640x360']);
      expect(sizes(h264(1001, 563))).toEqual(['source:1001x563', '480p:854x480', '360p:640x360']);
    });

    it('still encodes one rendition for a source smaller than every rung', () => {
      expect(sizes(h264(320, 240))).toEqual(['source:320x240', '240p:320x240']);
    });

    it('leaves the passthrough out when the source is not H.264', () => {
      expect(sizes(h264(1280, 720, { videoCodec: 'hevc' }))).toEqual(['720p:1280x720', '480p:854x480', '360p:640x360']);
    });
  });

  it('aligns keyframes on segment boundaries: GOP = fps × segment length', () => {
    const plan = planLadder(h264(1280, 720, { fps: 25 }), LadderSchema.parse({ ...DEFAULT_LADDER, segmentSeconds: 4 }), { maxFps: 60 });
    expect(plan.gopFrames).toBe(100);
    expect(plan.segmentSeconds).toBe(4);
  });

  it('encodes variable-rate sources at a constant 30 fps', () => {
    const plan = planLadder(h264(1920, 1080, { fps: 13.7 }), DEFAULT_LADDER, { maxFps: 60 });
    expect(plan.frameRate).toEqual({ num: 30, den: 1 });
    expect(plan.renditions.filter((r) => r.mode === 'encode').every((r) => r.frameRate === 30)).toBe(true);
  });

  it('writes CODECS, peak and average bandwidth for every encoded rung', () => {
    const [source, r720] = planLadder(h264(1280, 720), DEFAULT_LADDER, { maxFps: 60 }).renditions;
    expect(source).toMatchObject({ mode: 'copy', codecs: 'avc1.64001f,mp4a.40.2', audio: 'copy' });
    expect(r720).toMatchObject({ mode: 'encode', codecs: 'avc1.64001f,mp4a.40.2', levelIdc: 31, audio: 'encode', audioBitrateKbps: 128 });
    expect(r720!.bandwidth).toBeGreaterThan((2800 + 128) * 1000);
    expect(r720!.averageBandwidth).toBeGreaterThanOrEqual((2800 + 128) * 1000);
    expect(r720!.bandwidth).toBeGreaterThan(r720!.averageBandwidth);
  });

  it('leaves audio out of renditions of a silent source', () => {
    const plan = planLadder(h264(640, 360, { hasAudio: false, audioCodec: undefined }), DEFAULT_LADDER, { maxFps: 60 });
    expect(plan.renditions.map((r) => [r.audio, r.codecs])).toEqual([
      ['none', 'avc1.64001f'],
      ['none', 'avc1.64001e'],
    ]);
  });

  it('follows a custom ladder: its rungs, bitrates, preset and segment length', () => {
    const ladder = LadderSchema.parse({
      rungs: [
        { name: 'hd', height: 720, videoBitrateKbps: 2000 },
        { name: 'low', height: 240, videoBitrateKbps: 300, audioBitrateKbps: 48 },
      ],
      source: false,
      preset: 'ultrafast',
      segmentSeconds: 3,
    });
    const plan = planLadder(h264(1920, 1080), ladder, { maxFps: 60 });
    expect(plan.preset).toBe('ultrafast');
    expect(plan.gopFrames).toBe(90);
    expect(plan.renditions.map((r) => [r.name, r.width, r.height, r.videoBitrateKbps, r.audioBitrateKbps])).toEqual([
      ['hd', 1280, 720, 2000, 128],
      ['low', 426, 240, 300, 48],
    ]);
  });

  it('drops rungs that repeat a name or a size', () => {
    const ladder = LadderSchema.parse({
      rungs: [
        { name: 'a', height: 360, videoBitrateKbps: 800 },
        { name: 'a', height: 240, videoBitrateKbps: 400 },
        { name: 'b', height: 360, videoBitrateKbps: 600 },
        { name: 'source', height: 240, videoBitrateKbps: 400 },
      ],
    });
    expect(sizes(h264(640, 360), ladder)).toEqual(['source:640x360', 'a:640x360']);
  });
});

describe('scaledSize', () => {
  it('never upscales', () => {
    expect(scaledSize(640, 360, 720)).toEqual({ width: 640, height: 360 });
  });
});
