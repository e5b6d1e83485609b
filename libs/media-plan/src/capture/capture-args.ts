/**
 * FFmpeg argument builders for the capture agent: each device's publish run
 * (feed → optional re-encode → RTMP/SRT), the "device unavailable" slate and
 * the inputs of the built-in sources. Pure: argument arrays in, argument
 * arrays out, no I/O — the agent, tests and benches share them.
 */
import { formatSrtStreamId } from '@mediaplane/sessions';

export interface CaptureQualityPlan {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

export type CaptureOutputKind = 'rtmp' | 'srt';
/** Every capture output, the WebRTC one included (its run writes RTP, see whip-args). */
export type CaptureOutputName = CaptureOutputKind | 'whip';

/** Seconds between keyframes when we encode (players and HLS segmenters join on them). */
export const CAPTURE_KEYFRAME_INTERVAL_S = 2;

/**
 * The publish URL for ingest. RTMP: `server/key`. SRT: the access-control streamid
 * `#!::r=live/{key},m=publish` as-is — FFmpeg does not percent-decode query values, so
 * an encoded one reached ingest verbatim and was refused (the capture e2e's SRT case).
 * The result holds the stream key: hand it to FFmpeg only, never to a log.
 */
export function capturePublishUrl(output: CaptureOutputKind, server: string, streamKey: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(streamKey)) throw new Error('stream key must be [A-Za-z0-9_-]+');
  const base = server.replace(/\/+$/, '');
  if (output === 'rtmp') {
    if (!/^rtmps?:\/\//.test(base)) throw new Error('an RTMP server must be rtmp://host[:port]/app');
    return `${base}/${streamKey}`;
  }
  if (!/^srt:\/\//.test(base)) throw new Error('an SRT server must be srt://host[:port]');
  // The grammar ingest parses, from the one place that writes it.
  const streamid = formatSrtStreamId({ mode: 'publish', streamKey });
  // 1316 = 7 TS packets per datagram; live mode.
  return `${base}?streamid=${streamid}&pkt_size=1316&transtype=live`;
}

export interface CapturePublishArgsOptions {
  /** The feed's input arguments (everything before the output), e.g. a lavfi graph or `-f h264 -i pipe:0`. */
  inputArgs: readonly string[];
  /** The feed's video is H.264. */
  videoIsH264: boolean;
  /** Pass H.264 through (`-c:v copy`) when the feed is H.264; off = always re-encode to the quality. */
  allowPassthrough: boolean;
  quality: CaptureQualityPlan;
  output: CaptureOutputKind;
  /** Full publish URL (secret). */
  url: string;
  /** The inputs are read from stdin (then `-nostdin` must not be given). */
  stdinInput?: boolean;
  /** x264 preset for re-encoding (default veryfast). */
  x264Preset?: string;
  audioBitrateKbps?: number;
}

/**
 * The head of every supervised capture run: quiet but for warnings, progress
 * reports on stdout (the supervisor's watchdog reads them), and stdin closed
 * unless the device's feed is piped into it.
 */
export function supervisedRunPreamble(stdinInput: boolean | undefined): string[] {
  return ['-hide_banner', '-loglevel', 'warning', ...(stdinInput ? [] : ['-nostdin']), '-progress', 'pipe:1', '-nostats'];
}

/** Whether a run passes the feed's video through rather than re-encoding it. */
export function capturePassthrough(options: Pick<CapturePublishArgsOptions, 'videoIsH264' | 'allowPassthrough'>): boolean {
  return options.videoIsH264 && options.allowPassthrough;
}

/** Scale into the box keeping the aspect (pads the rest), fixed frame rate, 4:2:0 — constant output size across rotations. */
export function fitVideoFilter(q: CaptureQualityPlan): string {
  return [
    `scale=${q.width}:${q.height}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    `pad=${q.width}:${q.height}:(ow-iw)/2:(oh-ih)/2:color=black`,
    `fps=${q.fps}`,
    'format=yuv420p',
  ].join(',');
}

export interface LiveX264Options {
  /** x264 preset (default veryfast). */
  preset?: string;
  /** `main` for ingest (FLV/TS); `baseline` (Constrained Baseline, profile-level-id 42e01f) for WebRTC, which every browser decodes. */
  profile?: 'main' | 'baseline';
  /** Seconds between keyframes (default CAPTURE_KEYFRAME_INTERVAL_S). */
  keyframeIntervalS?: number;
}

/** libx264 for live: zerolatency (no B-frames, no look-ahead), CBR-ish VBV, a keyframe every 2 s and no scene-cut keyframes. */
export function liveX264Args(q: CaptureQualityPlan, presetOrOptions: string | LiveX264Options = 'veryfast'): string[] {
  const options = typeof presetOrOptions === 'string' ? { preset: presetOrOptions } : presetOrOptions;
  const interval = options.keyframeIntervalS ?? CAPTURE_KEYFRAME_INTERVAL_S;
  const gop = Math.max(1, Math.round(q.fps * interval));
  return [
    '-c:v',
    'libx264',
    '-preset',
    options.preset ?? 'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    options.profile ?? 'main',
    '-b:v',
    `${q.bitrateKbps}k`,
    '-maxrate',
    `${q.bitrateKbps}k`,
    '-bufsize',
    `${q.bitrateKbps * 2}k`,
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${interval})`,
  ];
}

/**
 * One publish run: progress on stdout for the supervisor's watchdog and the fps/bitrate metrics, the feed's inputs,
 * FFmpeg's default stream choice (the best video and, when a feed has one, audio — across all inputs), H.264
 * passed through or re-encoded, AAC audio, FLV to RTMP or MPEG-TS to SRT.
 */
export function capturePublishArgs(options: CapturePublishArgsOptions): string[] {
  const q = options.quality;
  const passthrough = capturePassthrough(options);
  const video = passthrough ? ['-c:v', 'copy'] : ['-vf', fitVideoFilter(q), ...liveX264Args(q, options.x264Preset)];
  const audio = ['-c:a', 'aac', '-b:a', `${options.audioBitrateKbps ?? 128}k`, '-ar', '48000', '-ac', '2'];
  const muxer =
    options.output === 'rtmp'
      ? ['-f', 'flv', '-flvflags', 'no_duration_filesize']
      : ['-f', 'mpegts', '-mpegts_flags', 'resend_headers', '-muxdelay', '0', '-muxpreload', '0'];
  return [...supervisedRunPreamble(options.stdinInput), ...options.inputArgs, ...video, ...audio, ...muxer, options.url];
}

/** drawtext's text escaping: `\`, `'`, `:` and `%` are special in a filter option value. */
export function drawtextEscape(text: string): string {
  return text.replace(/[\\':%]/g, (c) => `\\${c}`);
}

/** Text centred on the picture, scaled to the frame height. */
function centredText(text: string, q: CaptureQualityPlan, sizeDivisor: number, yExpr: string): string {
  const size = Math.max(10, Math.round(q.height / sizeDivisor));
  return `drawtext=text='${drawtextEscape(text)}':fontsize=${size}:fontcolor=white:x=(w-tw)/2:y=${yExpr}`;
}

/**
 * The fallback slate shown while a device is gone: a dark picture saying so with the device's name and a running
 * clock (so a viewer sees the stream is alive), plus silence so the stream keeps its audio track.
 */
export function slateInputArgs(q: CaptureQualityPlan, deviceName: string): string[] {
  const graph = [
    `color=c=0x1e2430:s=${q.width}x${q.height}:r=${q.fps}`,
    centredText('Device unavailable', q, 12, '(h/2)-th'),
    centredText(deviceName.slice(0, 60), q, 24, '(h/2)+th/2'),
    `drawtext=text='%{localtime\\:%T}':fontsize=${Math.max(10, Math.round(q.height / 30))}:fontcolor=0x9aa4b2:x=(w-tw)/2:y=h-th-${Math.round(q.height / 20)}`,
  ].join(',');
  return ['-re', '-f', 'lavfi', '-i', graph, '-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'];
}

/** The test-pattern device: testsrc2 with the wall clock and the stream time burned in, and a 440 Hz tone. */
export function testPatternInputArgs(q: CaptureQualityPlan, label: string): string[] {
  const fontsize = Math.max(10, Math.round(q.height / 12));
  const graph = [
    `testsrc2=size=${q.width}x${q.height}:rate=${q.fps}`,
    `drawtext=text='%{localtime\\:%T} %{pts\\:hms}':fontsize=${fontsize}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=h-th-${Math.round(q.height / 18)}`,
    `drawtext=text='${drawtextEscape(label.slice(0, 60))}':fontsize=${Math.round(fontsize / 2)}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4:x=(w-tw)/2:y=${Math.round(q.height / 18)}`,
  ].join(',');
  return ['-re', '-f', 'lavfi', '-i', graph, '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
}

/** Desktop capture of an X display at the requested rate (the display's own size; the publish run fits it). */
export function x11grabInputArgs(options: { display: string; fps: number; drawMouse?: boolean; pulseSource?: string }): string[] {
  const video = [
    '-f',
    'x11grab',
    '-framerate',
    String(options.fps),
    '-draw_mouse',
    options.drawMouse === false ? '0' : '1',
    '-thread_queue_size',
    '512',
    '-i',
    options.display,
  ];
  const audio = options.pulseSource ? ['-f', 'pulse', '-thread_queue_size', '512', '-i', options.pulseSource] : [];
  return [...video, ...audio];
}

/** A V4L2 camera, asking for the quality's size and rate (the driver picks the nearest), plus ALSA audio when present. */
export function v4l2InputArgs(options: { device: string; quality: CaptureQualityPlan; alsaDevice?: string }): string[] {
  const q = options.quality;
  const video = ['-f', 'v4l2', '-framerate', String(q.fps), '-video_size', `${q.width}x${q.height}`, '-thread_queue_size', '512', '-i', options.device];
  const audio = options.alsaDevice ? ['-f', 'alsa', '-thread_queue_size', '512', '-i', options.alsaDevice] : [];
  return [...video, ...audio];
}
