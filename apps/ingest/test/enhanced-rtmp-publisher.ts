import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import {
  ExAudioPacketType,
  FLV_SOUND_FORMAT_EX_HEADER,
  IvfReader,
  IvfToFlv,
  MpegTsDemuxer,
  MpegTsToFlv,
  type Amf0Value,
  type FlvTagBody,
} from '@mediaplane/codecs';
import { RtmpClientConnection, RtmpMessageType } from '@mediaplane/media-io';
import { ivfEncoderArgs, spawnTracked, stopProcess } from '@mediaplane/testing';
import { OggFlacReader } from './ogg-flac-reader';

export interface EnhancedRtmpPublishOptions {
  host?: string;
  port: number;
  /** The stream key (publish name on app `live`). */
  streamKey: string;
  width?: number;
  height?: number;
  fps?: number;
  gopFrames?: number;
  /**
   * Audio codec: AAC (legacy FLV AAC tags), Opus (E-RTMP 'Opus' tags), AC-3 or E-AC-3 (E-RTMP 'ac-3' / 'ec-3'
   * tags, stereo), FLAC (E-RTMP 'fLaC': SequenceStart with the 'fLaC' header, then frames). Default: AAC beside
   * HEVC / H.264, no sound beside AV1 / VP9 (any of these on request).
   */
  audio?: PublishedAudio;
  /**
   * Video codec: HEVC (E-RTMP 'hvc1' tags, the default), H.264 (legacy AVC tags, e.g. beside E-RTMP Opus),
   * or AV1 / VP9 (E-RTMP 'av01' / 'vp09' tags: FFmpeg writes them as IVF, IvfToFlv makes the tags; their sound comes on a second pipe).
   */
  video?: 'hevc' | 'h264' | 'av1' | 'vp9';
  /** What the connect announces; default `fourCcList: ['hvc1', 'Opus']`, as FFmpeg 7 and OBS 30 send. */
  connectProperties?: Record<string, Amf0Value>;
}

export type PublishedAudio = 'aac' | 'opus' | 'ac3' | 'eac3' | 'flac';

export interface EnhancedRtmpPublisher {
  readonly client: RtmpClientConnection;
  readonly ffmpeg: ChildProcess;
  /** Tag bodies sent so far per kind. */
  readonly sent: { video: number; audio: number };
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * An Enhanced RTMP publisher built from our own pieces, because Debian's
 * FFmpeg 5.1 cannot publish E-RTMP: FFmpeg encodes a real-time lavfi source
 * as HEVC (libx265, or H.264) + AAC, Opus (libopus), AC-3 or E-AC-3 into MPEG-TS on its stdout; our
 * MpegTsDemuxer and MpegTsToFlv (`hevc: 'hvc1'`) turn that into E-RTMP tag
 * bodies ('hvc1' SequenceStart/CodedFrames, 'Opus' SequenceStart with an
 * OpusHead, 'ac-3' / 'ec-3' CodedFrames). FLAC cannot go in MPEG-TS: the same
 * FFmpeg writes it as Ogg on a second pipe, OggFlacReader takes the frames out
 * and they go as 'fLaC' tags. AV1 (libaom) and VP9 (libvpx) come as IVF, and IvfToFlv makes
 * the 'av01' / 'vp09' tags. Our RTMP client publishes them after a connect
 * that announces `fourCcList`, as OBS 30+ and FFmpeg 6.1+ do.
 *
 * Resolves once the server accepted the publish (NetStream.Publish.Start);
 * rejects with the server's status otherwise.
 */
export async function enhancedRtmpPublish(options: EnhancedRtmpPublishOptions): Promise<EnhancedRtmpPublisher> {
  const { width = 640, height = 360, fps = 25 } = options;
  const client = await RtmpClientConnection.connect({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    app: 'live',
    connectProperties: options.connectProperties ?? { fourCcList: ['hvc1', 'Opus'] },
  });
  client.on('error', () => undefined);
  const streamId = await client.createStream();
  const status = await client.publish(streamId, options.streamKey);
  if (status['code'] !== 'NetStream.Publish.Start') {
    client.close();
    throw new Error(`publish refused: ${String(status['code'])} ${String(status['description'])}`);
  }
  const gop = options.gopFrames ?? fps;
  const source = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  const video = options.video ?? 'hevc';
  const ivf = video === 'av1' || video === 'vp9';
  const audio = options.audio ?? (ivf ? undefined : 'aac');
  // AV1 / VP9 go as IVF on stdout, their sound (when asked) on fd 3 beside them; HEVC / H.264 share one MPEG-TS with it.
  const args = ivf
    ? [
        ...source,
        ...(audio ? SINE_INPUT : []),
        '-map',
        '0:v',
        ...ivfEncoderArgs(video, gop),
        '-f',
        'ivf',
        'pipe:1',
        ...(audio ? ['-map', '1:a', ...soundOnFd3Args(audio)] : []),
      ]
    : [...source, ...mpegTsArgs(video, audio ?? 'aac', gop)];
  const ffmpeg = spawnTracked('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let err = '';
  ffmpeg.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const toTags = ivf ? ivfToTags() : mpegTsToTags();
  const sent = { video: 0, audio: 0 };
  const send = (tags: FlvTagBody[]) => {
    for (const tag of tags) {
      if (client.isClosed) return;
      client.sendMedia(streamId, tag.kind === 'video' ? RtmpMessageType.Video : RtmpMessageType.Audio, tag.timestamp, tag.payload);
      sent[tag.kind] += 1;
    }
  };
  ffmpeg.stdout?.on('data', (chunk: Buffer) => send(toTags(chunk)));
  if (audio === 'flac' || (ivf && audio)) {
    const sound = audio === 'flac' ? oggFlacToTags() : mpegTsToTags();
    (ffmpeg.stdio[3] as Readable | null)?.on('data', (chunk: Buffer) => send(sound(chunk)));
  }
  return {
    client,
    ffmpeg,
    sent,
    stderr: () => err,
    stop: async () => {
      await stopProcess(ffmpeg, 3000, 'SIGINT');
      client.close();
    },
  };
}

/** FFmpeg's audio encoder settings per codec that goes into the MPEG-TS. */
const AUDIO_ENCODERS: Record<Exclude<PublishedAudio, 'flac'>, string[]> = {
  aac: ['-c:a', 'aac', '-b:a', '96k', '-ac', '1'],
  opus: ['-c:a', 'libopus', '-b:a', '64k', '-ac', '2'],
  ac3: ['-c:a', 'ac3', '-b:a', '192k', '-ac', '2'],
  eac3: ['-c:a', 'eac3', '-b:a', '96k', '-ac', '2'],
};

const SINE_INPUT = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];

/**
 * The sound alone on fd 3: FLAC in 20 ms frames and 20 ms Ogg pages (FFmpeg's default page holds 1 s), any other
 * codec in MPEG-TS (read back by MpegTsToFlv).
 */
function soundOnFd3Args(audio: PublishedAudio): string[] {
  if (audio === 'flac') return ['-c:a', 'flac', '-frame_size', '960', '-ac', '2', '-page_duration', '20000', '-f', 'ogg', 'pipe:3'];
  return [...AUDIO_ENCODERS[audio], '-f', 'mpegts', 'pipe:3'];
}

/** x265 (or x264) and the audio codec from the lavfi source into MPEG-TS, read back by MpegTsToFlv as E-RTMP (FLAC: on fd 3). */
function mpegTsArgs(video: 'hevc' | 'h264', audio: PublishedAudio, gop: number): string[] {
  return [
    ...SINE_INPUT,
    ...(video === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0']
      : [
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-pix_fmt',
          'yuv420p',
          // Fixed GOP without B-frames, like a live encoder; log-level keeps x265's banner off stderr.
          '-x265-params',
          `keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=0:log-level=error`,
        ]),
    '-b:v',
    '600k',
    ...(audio === 'flac'
      ? ['-map', '0:v', '-f', 'mpegts', 'pipe:1', '-map', '1:a', ...soundOnFd3Args('flac')]
      : [...AUDIO_ENCODERS[audio], '-f', 'mpegts', 'pipe:1']),
  ];
}

/** E-RTMP 'fLaC' tags from FFmpeg's Ogg FLAC: one SequenceStart with the stream header, then CodedFrames. */
function oggFlacToTags(): (chunk: Buffer) => FlvTagBody[] {
  const reader = new OggFlacReader();
  const tag = (packetType: number, body: Buffer, timestamp: number): FlvTagBody => ({
    kind: 'audio',
    timestamp,
    payload: Buffer.concat([Buffer.from([(FLV_SOUND_FORMAT_EX_HEADER << 4) | packetType]), Buffer.from('fLaC', 'latin1'), body]),
  });
  return (chunk) =>
    reader
      .push(chunk)
      .map((item) =>
        item.kind === 'header'
          ? tag(ExAudioPacketType.SequenceStart, item.header, 0)
          : tag(ExAudioPacketType.CodedFrames, item.frame, Math.round(item.startMs)),
      );
}

function mpegTsToTags(): (chunk: Buffer) => FlvTagBody[] {
  const demuxer = new MpegTsDemuxer();
  const converter = new MpegTsToFlv({ hevc: 'hvc1' });
  return (chunk) => converter.pushAll(demuxer.push(chunk));
}

function ivfToTags(): (chunk: Buffer) => FlvTagBody[] {
  const reader = new IvfReader();
  let converter: IvfToFlv | undefined;
  return (chunk) =>
    reader.push(chunk).flatMap((frame) => {
      converter ??= new IvfToFlv(reader.fourCc as string);
      return converter.push(frame);
    });
}
