import type { ChildProcess } from 'node:child_process';
import { MpegTsDemuxer, MpegTsToFlv, type Amf0Value } from '@mediaplane/codecs';
import { RtmpClientConnection, RtmpMessageType } from '@mediaplane/media-io';
import { spawnTracked, stopProcess } from '@mediaplane/testing';

export interface EnhancedRtmpPublishOptions {
  host?: string;
  port: number;
  /** The stream key (publish name on app `live`). */
  streamKey: string;
  width?: number;
  height?: number;
  fps?: number;
  gopFrames?: number;
  /** Audio codec: AAC (legacy FLV AAC tags) or Opus (E-RTMP 'Opus' tags). */
  audio?: 'aac' | 'opus';
  /** Video codec: HEVC (E-RTMP 'hvc1' tags, the default) or H.264 (legacy AVC tags, e.g. beside E-RTMP Opus). */
  video?: 'hevc' | 'h264';
  /** What the connect announces; default `fourCcList: ['hvc1', 'Opus']`, as FFmpeg 7 and OBS 30 send. */
  connectProperties?: Record<string, Amf0Value>;
}

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
 * as HEVC (libx265, or H.264) + AAC or Opus (libopus) into MPEG-TS on its stdout; our
 * MpegTsDemuxer and MpegTsToFlv (`hevc: 'hvc1'`) turn that into E-RTMP tag
 * bodies ('hvc1' SequenceStart/CodedFrames, 'Opus' SequenceStart with an
 * OpusHead); our RTMP client publishes them after a connect that announces
 * `fourCcList`, as OBS 30+ and FFmpeg 6.1+ do.
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
  const audio = options.audio ?? 'aac';
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    ...(options.video === 'h264'
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
    ...(audio === 'opus' ? ['-c:a', 'libopus', '-b:a', '64k', '-ac', '2'] : ['-c:a', 'aac', '-b:a', '96k', '-ac', '1']),
    '-f',
    'mpegts',
    'pipe:1',
  ];
  const ffmpeg = spawnTracked('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  ffmpeg.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const demuxer = new MpegTsDemuxer();
  const converter = new MpegTsToFlv({ hevc: 'hvc1' });
  const sent = { video: 0, audio: 0 };
  ffmpeg.stdout?.on('data', (chunk: Buffer) => {
    for (const tag of converter.pushAll(demuxer.push(chunk))) {
      if (client.isClosed) return;
      client.sendMedia(streamId, tag.kind === 'video' ? RtmpMessageType.Video : RtmpMessageType.Audio, tag.timestamp, tag.payload);
      sent[tag.kind] += 1;
    }
  });
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
