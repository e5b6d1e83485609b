import { encoderGlobalArgs, encoderUploadFilter, videoEncoderArgs, type EncoderName } from './encoder-options';
import { fpsText } from './frame-rate';
import { scaledSize, type LadderPlan, type PlannedRendition } from './ladder-planner';
import { recordingOutputArgs } from './recording-format';

export interface LadderArgsInput {
  /** `PIPED_FLV_INPUT` for the platform's live pulls; a file or URL in benches. */
  inputUrl: string;
  /** Container of a piped input: the internal FLV (default) or, for HEVC sources, the internal MPEG-TS pull. */
  inputFormat?: LiveInputFormat;
  plan: LadderPlan;
  /** `videoCodec` and `audioCodec` decide the recording's container and whether it copies the sound (recordingOutputArgs). */
  source: { width: number; height: number; videoCodec?: string; audioCodec?: string };
  encoder: EncoderName;
  vaapiDevice?: string;
  /** FFmpeg output pattern of a rendition's segments, e.g. `/work/s/720p/r3-%d.ts`. */
  segmentPattern: (rendition: PlannedRendition) => string;
  thumbnail?: { path: string; intervalSeconds: number };
  /** Source-quality MPEG-TS recording of this run. */
  recordingPath?: string;
  /** Input read timeout: a silent connection fails instead of hanging. */
  inputTimeoutMs?: number;
}

export interface LadderArgs {
  args: string[];
  /** Number of extra pipes: one CSV segment list per rendition. */
  outputPipes: number;
  /** Rendition name → fd of its segment list. */
  segmentListFd: Map<string, number>;
}

const THUMBNAIL_SHORT_SIDE = 180;

/**
 * Where the platform's FFmpeg runs read a live internal FLV: their stdin, fed
 * by the worker's own HTTP request, so the pull credential travels in a
 * request header and never appears on a command line (`ps`).
 */
export const PIPED_FLV_INPUT = 'pipe:0';

/**
 * What FFmpeg reads of a live internal pull: FLV; MPEG-TS (the ingest's TS
 * pull) for HEVC and Opus sources — Debian's FFmpeg 5.1 reads HEVC in
 * neither E-RTMP nor codec-id-12 FLV, and no Opus in FLV; Matroska (the FLV
 * pull remuxed by the worker) for AV1 and VP9, which the TS pull cannot carry.
 */
export type LiveInputFormat = 'flv' | 'mpegts' | 'matroska';

/**
 * Reading a live internal FLV: short probing. Ingest starts every pull with
 * the sequence headers and its GOP cache, so both tracks announce themselves
 * in the first tags; FFmpeg still reads for the whole analyze duration of
 * *real time* past that burst before its first output, which delays a new
 * stream and, above all, a worker taking a stream over (measured: first
 * output 1.6–1.8 s after the start at 1.5 s, 0.5–0.8 s at 0.2–0.4 s, with the
 * AAC parameters still read right). The byte limit stays generous: at 128 KB
 * a 4 Mb/s stream's first keyframe filled it before the AAC config was read.
 * From stdin (`PIPED_FLV_INPUT`) the format is named, and the feeding process
 * owns the read timeout; from a URL, a read timeout so a silent source fails
 * instead of hanging.
 */
export function liveInputArgs(inputUrl: string, timeoutMs = 10_000, format: LiveInputFormat = 'flv'): string[] {
  const probe = ['-analyzeduration', '500000', '-probesize', '1000000'];
  if (inputUrl.startsWith('pipe:')) return [...probe, '-f', format, '-i', inputUrl];
  return ['-rw_timeout', String(timeoutMs * 1000), ...probe, '-i', inputUrl];
}

/** MPEG-TS segments of `seconds` cut at the encoder's keyframes, timestamps kept as encoded. */
export function segmentOutputArgs(seconds: number): string[] {
  return [
    // Keep the encoder's timestamps: B-frame delay would otherwise shift each output differently and misalign segment times.
    '-avoid_negative_ts',
    'disabled',
    '-f',
    'segment',
    '-segment_time',
    String(seconds),
    '-segment_format',
    'mpegts',
  ];
}

/**
 * One FFmpeg process for the whole ladder: the source is decoded once, made
 * constant-rate (`fps`), and scaled in a cascade (each rung from the next
 * larger one, cheaper than scaling every rung from the source) with `split`;
 * every rung is encoded and cut into MPEG-TS segments whose completion FFmpeg
 * reports on a pipe as CSV (`file,start,end`). The passthrough rendition, the
 * thumbnail and the recording come out of the same process.
 */
export function buildLadderArgs(input: LadderArgsInput): LadderArgs {
  const { plan } = input;
  const encodes = plan.renditions.filter((r) => r.mode === 'encode');
  const upload = encoderUploadFilter(input.encoder);
  const thumbnail = encodes.length > 0 ? input.thumbnail : undefined;
  const graph: string[] = [];
  let from = '[0:v]';
  encodes.forEach((r, i) => {
    const last = i === encodes.length - 1;
    const outs = [`v${i}`, ...(last ? (thumbnail ? ['th'] : []) : [`c${i + 1}`])];
    const scaleFromSource = i === 0 && r.width === input.source.width && r.height === input.source.height;
    const steps = [
      ...(i === 0 ? [`fps=${fpsText(plan.frameRate)}`, 'format=yuv420p'] : []),
      ...(scaleFromSource ? [] : [`scale=${r.width}:${r.height}`]),
      ...(outs.length > 1 ? [`split=${outs.length}`] : []),
    ];
    graph.push(`${from}${steps.length > 0 ? steps.join(',') : 'null'}${outs.map((o) => `[${o}]`).join('')}`);
    from = `[c${i + 1}]`;
    if (upload) graph.push(`[v${i}]${upload}[u${i}]`);
  });
  if (thumbnail) {
    const smallest = encodes[encodes.length - 1];
    const size = scaledSize(smallest?.width ?? input.source.width, smallest?.height ?? input.source.height, THUMBNAIL_SHORT_SIDE);
    graph.push(`[th]fps=1/${thumbnail.intervalSeconds},scale=${size.width}:${size.height}:out_range=full[thumb]`);
  }

  const args = [
    '-hide_banner',
    '-nostdin',
    // A restart writes the same thumbnail again: overwrite instead of asking.
    '-y',
    '-loglevel',
    'warning',
    ...encoderGlobalArgs(input.encoder, input.vaapiDevice ?? '/dev/dri/renderD128'),
    ...liveInputArgs(input.inputUrl, input.inputTimeoutMs, input.inputFormat),
  ];
  if (graph.length > 0) args.push('-filter_complex', graph.join(';'));

  const segmentListFd = new Map<string, number>();
  let encodeIndex = 0;
  for (const r of plan.renditions) {
    const fd = 3 + segmentListFd.size;
    segmentListFd.set(r.name, fd);
    if (r.mode === 'encode') {
      const i = encodeIndex++;
      args.push('-map', upload ? `[u${i}]` : `[v${i}]`, ...videoEncoderArgs(input.encoder, r, plan));
    } else {
      args.push('-map', '0:v:0', '-c:v', 'copy');
    }
    if (r.audio !== 'none') {
      args.push('-map', '0:a:0?');
      args.push(...(r.audio === 'copy' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', `${r.audioBitrateKbps}k`, '-ac', '2']));
    }
    args.push(...segmentOutputArgs(plan.segmentSeconds), '-segment_list', `pipe:${fd}`, '-segment_list_type', 'csv', input.segmentPattern(r));
  }
  if (thumbnail) {
    // Full-range 4:2:0 JPEG without the deprecated yuvj formats (which make swscale warn on every frame).
    args.push(
      '-map',
      '[thumb]',
      '-c:v',
      'mjpeg',
      '-q:v',
      '5',
      '-strict',
      'unofficial',
      '-pix_fmt',
      'yuv420p',
      '-color_range',
      'pc',
      '-f',
      'image2',
      '-update',
      '1',
      '-atomic_writing',
      '1',
      thumbnail.path,
    );
  }
  if (input.recordingPath) args.push(...recordingOutputArgs(input.source, input.recordingPath));
  args.push('-progress', 'pipe:1', '-nostats', '-stats_period', '1');
  return { args, outputPipes: segmentListFd.size, segmentListFd };
}
