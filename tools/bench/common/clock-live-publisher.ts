import type { ChildProcess } from 'node:child_process';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, FlvDemuxer } from '@mediaplane/codecs';
import { RtmpMessageType, type RtmpClientConnection } from '@mediaplane/media-io';
import { BARCODE, spawnTracked, stopProcess } from '@mediaplane/testing';
import { CLOCK_TONE_SAMPLE_RATE, ClockSource } from './clock-source';
import { LiveTagTimeline, type TimedTag } from './live-tag-timeline';
import { openRtmpPublish } from './rtmp-publish-session';

export interface ClockLivePublisherOptions {
  host: string;
  port: number;
  app: string;
  streamKey: string;
  fps: number;
  gopFrames: number;
  videoBitrateKbps: number;
  /** x264 options appended after the defaults (ultrafast, zerolatency): later ones win. */
  encoderArgs?: string[];
}

/** The tone reaches the AAC encoder in 10 ms periods, as from a sound card (not one lump per video frame). */
const AUDIO_CHUNK_MS = 10;

/** FFmpeg's AAC encoder starts with 1024 samples of priming, which its FLV muxer shifts to time 0. */
const AAC_PRIMING_MS = Math.round((1024 * 1000) / CLOCK_TONE_SAMPLE_RATE);

/**
 * An RTMP publisher of a ClockSource that sends every frame the moment its
 * encoder gives it out, as a live encoder without an interleaving muxer does:
 * x264 (zerolatency) and AAC run as two FFmpeg processes writing FLV to
 * pipes, and this process publishes their tags over the project's RTMP
 * client. A single FFmpeg muxing both holds each video frame until the AAC
 * encoder's output catches up (ClockRtmpPublisher: ~45 ms at p50), which is
 * the publisher's latency, not the platform's.
 *
 * The two FLVs' timestamps are put on one timeline by LiveTagTimeline.
 * Benches run it in a process of its own (ClockLivePublisherProcess).
 * Audio still leaves its encoder ~2 AAC frames after it was captured, and a
 * player that keeps lip sync waits for it: that part stays in the figure.
 */
export class ClockLivePublisher {
  /** Per video frame: from its picture drawn to its tag handed to the socket, in ms (the encoder's share). */
  readonly encoderDelaysMs: number[] = [];
  private readonly drawnAt = new Map<number, number>();
  private readonly source: ClockSource;
  private stopped = false;
  private readonly timeline = new LiveTagTimeline(AAC_PRIMING_MS);

  private constructor(
    private readonly client: RtmpClientConnection,
    private readonly streamId: number,
    private readonly video: ChildProcess,
    private readonly audio: ChildProcess,
    private readonly fps: number,
  ) {
    this.forwardTags(video, FLV_TAG_VIDEO);
    this.forwardTags(audio, FLV_TAG_AUDIO);
    this.source = new ClockSource({
      fps,
      audioChunkMs: AUDIO_CHUNK_MS,
      onFrame: ({ index, picture, drawnAt }) => {
        this.drawnAt.set(index, drawnAt);
        video.stdin?.write(picture);
      },
      onAudio: (pcm) => audio.stdin?.write(pcm),
    });
  }

  static async start(options: ClockLivePublisherOptions): Promise<ClockLivePublisher> {
    const { client, streamId } = await openRtmpPublish({ host: options.host, port: options.port, app: options.app, streamName: options.streamKey });
    try {
      const video = spawnEncoder(videoEncoderArgs(options));
      const audio = spawnEncoder(audioEncoderArgs());
      return new ClockLivePublisher(client, streamId, video, audio, options.fps);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.source.stop();
    this.video.stdin?.end();
    this.audio.stdin?.end();
    await Promise.all([stopProcess(this.video, 3000, 'SIGINT'), stopProcess(this.audio, 3000, 'SIGINT')]);
    this.client.close();
  }

  /** Publishes the audio or video tags of one encoder's FLV as they are parsed (its script tag is not needed). */
  private forwardTags(encoder: ChildProcess, type: typeof FLV_TAG_AUDIO | typeof FLV_TAG_VIDEO): void {
    const demuxer = new FlvDemuxer();
    encoder.stdout?.on('data', (chunk: Buffer) => {
      if (this.stopped) return;
      for (const tag of demuxer.push(chunk)) {
        if (tag.type !== type) continue;
        for (const timed of type === FLV_TAG_VIDEO ? this.timeline.video(tag) : this.timeline.audio(tag)) this.send(timed);
      }
    });
  }

  /** The tag body may view the demuxer's chunk: sendMedia frames it into RTMP chunks before the next one is parsed. */
  private send(tag: TimedTag): void {
    const type = tag.type === FLV_TAG_VIDEO ? RtmpMessageType.Video : RtmpMessageType.Audio;
    this.client.sendMedia(this.streamId, type, tag.timestamp, tag.data);
    if (tag.mediaMs !== undefined) this.recordEncoderDelay(tag.mediaMs);
  }

  /** Frame `index` was drawn at media time index / fps. */
  private recordEncoderDelay(mediaMs: number): void {
    const index = Math.round((mediaMs * this.fps) / 1000);
    const drawnAt = this.drawnAt.get(index);
    if (drawnAt === undefined) return;
    for (const key of this.drawnAt.keys()) if (key <= index) this.drawnAt.delete(key);
    this.encoderDelaysMs.push(performance.now() - drawnAt);
  }
}

function spawnEncoder(args: string[]): ChildProcess {
  const child = spawnTracked(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', ...args, '-flush_packets', '1', '-flvflags', 'no_duration_filesize', '-f', 'flv', 'pipe:1'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  child.stdin?.on('error', () => undefined);
  return child;
}

function videoEncoderArgs(options: ClockLivePublisherOptions): string[] {
  const { width, height } = BARCODE;
  return [
    ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${width}x${height}`, '-framerate', String(options.fps), '-i', 'pipe:0'],
    ...['-vf', 'format=yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency'],
    ...['-g', String(options.gopFrames), '-b:v', `${options.videoBitrateKbps}k`, ...(options.encoderArgs ?? [])],
  ];
}

function audioEncoderArgs(): string[] {
  return ['-f', 's16le', '-ar', String(CLOCK_TONE_SAMPLE_RATE), '-ac', '1', '-i', 'pipe:0', '-c:a', 'aac', '-b:a', '96k'];
}
