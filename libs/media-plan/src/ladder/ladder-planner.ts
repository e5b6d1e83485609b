import type { Ladder } from '@mediaplane/contracts';
import { chooseOutputFrameRate, fpsValue, type FrameRate } from './frame-rate';
import { h264LevelIdc } from './h264-level';
import { avcCodecStringFor, AAC_LC_CODEC_STRING } from './codec-strings';
import type { SourceMedia } from './source-media';

export interface PlannedRendition {
  /** Path segment and display name: `source`, `720p`, … */
  name: string;
  /** `copy`: the source video passed through untouched. */
  mode: 'encode' | 'copy';
  width: number;
  height: number;
  frameRate: number;
  videoBitrateKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  audio: 'encode' | 'copy' | 'none';
  audioBitrateKbps: number;
  /** Encoded renditions: the level we ask the encoder for. */
  levelIdc?: number;
  /** RFC 6381 CODECS of the master playlist. */
  codecs: string;
  /** Peak bit/s for BANDWIDTH (raised later if measured segments are larger). */
  bandwidth: number;
  averageBandwidth: number;
}

export interface LadderPlan {
  renditions: PlannedRendition[];
  /** Constant rate of every encoded rendition. */
  frameRate: FrameRate;
  /** Fixed GOP: one keyframe per segment, at the segment boundary. */
  gopFrames: number;
  segmentSeconds: number;
  preset: Ladder['preset'];
}

/** MPEG-TS packetisation adds a few percent to the elementary streams. */
const TS_OVERHEAD = 1.08;

/**
 * Turns a ladder and the source's properties into concrete renditions.
 * A rung's `height` is the short side, so a portrait 720x1280 source gets a
 * 720p rung of 720x1280 and a 360p rung of 360x640; rungs larger than the
 * source are skipped; sizes keep the aspect ratio, rounded to even numbers
 * as 4:2:0 video needs. The `source` passthrough is kept when asked for and
 * the source is H.264 (what every HLS player decodes).
 */
export function planLadder(source: SourceMedia, ladder: Ladder, options: { maxFps: number }): LadderPlan {
  const frameRate = chooseOutputFrameRate(source.fps, options.maxFps);
  const fps = fpsValue(frameRate);
  const gopFrames = Math.max(1, Math.round(fps * ladder.segmentSeconds));
  const shortSide = Math.min(source.width, source.height);
  const renditions: PlannedRendition[] = [];
  const names = new Set<string>();

  if (ladder.source && isH264(source.videoCodec)) {
    renditions.push(sourceRendition(source));
    names.add('source');
  }

  const rungs = [...ladder.rungs].sort((a, b) => b.height - a.height);
  const fitting = rungs.filter((r) => r.height <= shortSide);
  const smallest = rungs[rungs.length - 1];
  // A source smaller than every rung still gets one encoded rendition, at its own size.
  const chosen = fitting.length > 0 ? fitting : smallest ? [{ ...smallest, name: `${even(shortSide)}p`, height: even(shortSide) }] : [];
  const sizes = new Set<string>();
  for (const rung of chosen) {
    if (names.has(rung.name)) continue;
    const { width, height } = scaledSize(source.width, source.height, rung.height);
    if (sizes.has(`${width}x${height}`)) continue;
    names.add(rung.name);
    sizes.add(`${width}x${height}`);
    const maxrateKbps = rung.videoBitrateKbps;
    const audioKbps = source.hasAudio ? rung.audioBitrateKbps : 0;
    const levelIdc = h264LevelIdc(width, height, fps, maxrateKbps);
    renditions.push({
      name: rung.name,
      mode: 'encode',
      width,
      height,
      frameRate: fps,
      videoBitrateKbps: rung.videoBitrateKbps,
      maxrateKbps,
      // One second of buffer: peaks stay close to the nominal rate, which keeps BANDWIDTH honest.
      bufsizeKbps: maxrateKbps,
      audio: source.hasAudio ? 'encode' : 'none',
      audioBitrateKbps: audioKbps,
      levelIdc,
      codecs: [avcCodecStringFor('high', levelIdc), ...(source.hasAudio ? [AAC_LC_CODEC_STRING] : [])].join(','),
      bandwidth: Math.ceil((maxrateKbps + audioKbps) * 1000 * TS_OVERHEAD * 1.1),
      averageBandwidth: Math.ceil((rung.videoBitrateKbps + audioKbps) * 1000 * TS_OVERHEAD),
    });
  }
  return { renditions, frameRate, gopFrames, segmentSeconds: ladder.segmentSeconds, preset: ladder.preset };
}

function sourceRendition(source: SourceMedia): PlannedRendition {
  const fps = source.fps && source.fps > 0 ? source.fps : 30;
  // Without an ingest measurement, guess 0.1 bit per pixel; measured segment sizes correct it.
  const estimatedKbps = source.bitrateKbps && source.bitrateKbps > 0 ? source.bitrateKbps : Math.ceil((source.width * source.height * fps * 0.1) / 1000);
  const audio = !source.hasAudio ? 'none' : isAac(source.audioCodec) ? 'copy' : 'encode';
  const audioCodecs = audio === 'none' ? [] : [audio === 'copy' ? (source.audioCodecString ?? AAC_LC_CODEC_STRING) : AAC_LC_CODEC_STRING];
  return {
    name: 'source',
    mode: 'copy',
    width: source.width,
    height: source.height,
    frameRate: Math.round(fps * 1000) / 1000,
    videoBitrateKbps: estimatedKbps,
    maxrateKbps: estimatedKbps,
    bufsizeKbps: estimatedKbps,
    audio,
    audioBitrateKbps: audio === 'encode' ? 128 : 0,
    codecs: [source.videoCodecString ?? avcCodecStringFor('high', h264LevelIdc(source.width, source.height, fps, estimatedKbps)), ...audioCodecs].join(','),
    bandwidth: Math.ceil(estimatedKbps * 1000 * TS_OVERHEAD * 1.3),
    averageBandwidth: Math.ceil(estimatedKbps * 1000 * TS_OVERHEAD),
  };
}

/** Size with the given short side, aspect ratio kept, both even. */
export function scaledSize(sourceWidth: number, sourceHeight: number, short: number): { width: number; height: number } {
  const landscape = sourceWidth >= sourceHeight;
  const srcShort = landscape ? sourceHeight : sourceWidth;
  const srcLong = landscape ? sourceWidth : sourceHeight;
  const s = even(Math.min(short, srcShort));
  const l = even((srcLong * s) / srcShort);
  return landscape ? { width: l, height: s } : { width: s, height: l };
}

function even(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}

function isH264(codec: string): boolean {
  return /^(h264|avc1?|avc)$/i.test(codec);
}

function isAac(codec: string | undefined): boolean {
  return codec !== undefined && /^(aac|mp4a)/i.test(codec);
}
