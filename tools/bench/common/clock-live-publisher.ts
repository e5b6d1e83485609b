import type { ChildProcess } from 'node:child_process';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, FlvDemuxer, MpegTsDemuxer, MpegTsToFlv, type FlvTag } from '@mediaplane/codecs';
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
  /** The sound's codec: AAC (legacy FLV tags, the default) or Opus (E-RTMP 'Opus' tags, as OBS 30+ and FFmpeg 6.1+ can send). */
  audio?: ClockAudioCodec;
}

export type ClockAudioCodec = 'aac' | 'opus';

/** The tone reaches the AAC encoder in 10 ms periods, as from a sound card (not one lump per video frame). */
const AUDIO_CHUNK_MS = 10;

/** FFmpeg's AAC encoder starts with 1024 samples of priming, which its FLV muxer shifts to time 0. */
const AAC_PRIMING_MS = Math.round((1024 * 1000) / CLOCK_TONE_SAMPLE_RATE);
/** libopus in its low-delay mode looks 2.5 ms ahead: its first packet starts that long before the first sample (whole ms on RTMP). */
const OPUS_LOWDELAY_PRE_SKIP_MS = 3;

/**
 * An RTMP publisher of a ClockSource that sends every frame the moment its
 * encoder gives it out, as a live encoder without an interleaving muxer does:
 * x264 (zerolatency) and AAC (or Opus) run as two FFmpeg processes writing FLV
 * (MPEG-TS for Opus) to pipes, and this process publishes their tags over the project's RTMP
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
  private readonly timeline: LiveTagTimeline;

  private constructor(
    private readonly client: RtmpClientConnection,
    private readonly streamId: number,
    private readonly video: ChildProcess,
    private readonly audio: ChildProcess,
    private readonly fps: number,
    audioCodec: ClockAudioCodec,
  ) {
    this.timeline = new LiveTagTimeline(audioCodec === 'opus' ? OPUS_LOWDELAY_PRE_SKIP_MS : AAC_PRIMING_MS);
    this.forwardTags(video, FLV_TAG_VIDEO);
    if (audioCodec === 'opus') this.forwardOpusTags(audio);
    else this.forwardTags(audio, FLV_TAG_AUDIO);
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
      const audioCodec = options.audio ?? 'aac';
      const video = spawnEncoder(videoEncoderArgs(options), 'flv');
      const audio = audioCodec === 'opus' ? spawnEncoder(opusEncoderArgs(), 'mpegts') : spawnEncoder(aacEncoderArgs(), 'flv');
      return new ClockLivePublisher(client, streamId, video, audio, options.fps, audioCodec);
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

  /**
   * Publishes the Opus of an encoder writing MPEG-TS (FFmpeg 5.1 cannot put Opus in FLV) as E-RTMP
   * 'Opus' tags: an OpusHead SequenceStart, then one CodedFrames tag a packet. The first packet is
   * put at the encoder's pre-skip, as the AAC FLV puts its first at the priming.
   */
  private forwardOpusTags(encoder: ChildProcess): void {
    const demuxer = new MpegTsDemuxer();
    const converter = new MpegTsToFlv();
    let firstMs: number | undefined;
    encoder.stdout?.on('data', (chunk: Buffer) => {
      if (this.stopped) return;
      for (const body of converter.pushAll(demuxer.push(chunk))) {
        if (body.kind !== 'audio') continue;
        firstMs ??= body.timestamp;
        const tag: FlvTag = { type: FLV_TAG_AUDIO, timestamp: body.timestamp - firstMs, data: body.payload };
        for (const timed of this.timeline.audio(tag)) this.send(timed);
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

/** An encoder FFmpeg writing every packet to its stdout the moment it has it. */
function spawnEncoder(args: string[], format: 'flv' | 'mpegts'): ChildProcess {
  // MPEG-TS: one PES a packet (by default audio waits until ~2.9 KB of it fill one).
  const container = format === 'flv' ? ['-flvflags', 'no_duration_filesize'] : ['-pes_payload_size', '0'];
  const child = spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args, '-flush_packets', '1', ...container, '-f', format, 'pipe:1'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
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

const PCM_INPUT = ['-f', 's16le', '-ar', String(CLOCK_TONE_SAMPLE_RATE), '-ac', '1', '-i', 'pipe:0'];

function aacEncoderArgs(): string[] {
  return [...PCM_INPUT, '-c:a', 'aac', '-b:a', '96k'];
}

/** Opus in 10 ms frames with libopus' low-delay mode: what a live encoder tuned for latency sends. */
function opusEncoderArgs(): string[] {
  return [...PCM_INPUT, '-c:a', 'libopus', '-b:a', '96k', '-application', 'lowdelay', '-frame_duration', '10'];
}
