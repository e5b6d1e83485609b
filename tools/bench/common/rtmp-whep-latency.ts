import { launchChromium, sleep } from '@mediaplane/testing';
import { ClockPlayerPage, jitterBuffersBetween, type JitterBuffers } from '../sfu-latency/clock-pages';
import type { ClockAudioCodec } from './clock-live-publisher';
import { ClockLivePublisherProcess } from './clock-live-publisher-process';
import { ClockRtmpPublisher } from './clock-rtmp-publisher';
import { childrenUsage } from './proc-stats';
import type { BenchSfu, SfuBenchPlatform } from './sfu-bench-platform';
import { summarize, type Summary } from './stats';
import { joinOnceLive, sampleWhepClock, type WhepClockLatency } from './whep-clock-latency';

/**
 * live: ClockLivePublisher, each frame sent as soon as x264 gives it out;
 * ffmpeg: ClockRtmpPublisher, one FFmpeg that holds video back for AAC (~45 ms p50).
 */
export type ClockPublisherKind = 'live' | 'ffmpeg';

export interface RtmpWhepLatency extends WhepClockLatency {
  /** CPU of the stream's one bridge (the SFU's FFmpeg children) while one viewer watched, in cores. */
  bridgeCores: number;
  /** The SFU's whole process group (Node, mediasoup worker, the bridge) over the same window, in cores. */
  sfuCores: number;
  publisher: ClockPublisherKind;
  /** The publisher's audio codec (Opus only from the live publisher). */
  audio: ClockAudioCodec;
  /** Whether the viewer played in lip sync (WHEP's default) or with `?lipsync=false`. */
  lipSync: boolean;
  /** live publisher only: from a picture drawn to its encoded frame sent, over the same window (the publisher's share). */
  encoderDelayMs?: Summary;
  /**
   * Chromium's mean jitter-buffer delay over the window, per video frame and per audio sample (ms). Lip sync
   * lengthens the video one until the picture waits for the audio: the audio one is where that time goes.
   */
  jitterBufferMs: JitterBuffers;
}

/**
 * Glass-to-glass through the bridge: an RTMP publisher burns the wall clock
 * into every frame (ClockLivePublisher in its own process, or ClockRtmpPublisher), Chromium plays the stream over WHEP
 * and reads the clock of every frame it presents. The same window gives the
 * CPU of the one bridge that serves it.
 */
export async function measureRtmpWhepLatency(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  platform: SfuBenchPlatform,
  sfu: BenchSfu,
  rtmpPort: number,
  options: {
    name: string;
    seconds: number;
    gop: number;
    fps: number;
    encoderArgs: string[];
    publisher: ClockPublisherKind;
    lipSync: boolean;
    /** Opus needs the live publisher (FFmpeg 5.1 cannot publish E-RTMP); AAC when not given. */
    audio?: ClockAudioCodec;
  },
): Promise<RtmpWhepLatency> {
  const audio = options.audio ?? 'aac';
  if (audio === 'opus' && options.publisher !== 'live') throw new Error('an Opus clock stream needs the live publisher');
  const stream = await platform.createStream(`rtmp-whep clock ${options.name}`);
  const encoding = { fps: options.fps, gopFrames: Math.round(options.gop * options.fps), videoBitrateKbps: 2500, encoderArgs: options.encoderArgs };
  const publisher =
    options.publisher === 'live'
      ? await ClockLivePublisherProcess.start({ host: '127.0.0.1', port: rtmpPort, app: 'live', streamKey: stream.streamKey, ...encoding, audio })
      : ClockRtmpPublisher.start({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, ...encoding });
  const context = await browser.newContext();
  try {
    const player = await ClockPlayerPage.open(await context.newPage(), `${sfu.app.httpUrl}/readyz`);
    const url = options.lipSync ? sfu.whepUrl(stream.id) : `${sfu.whepUrl(stream.id)}?lipsync=false`;
    const joined = await joinOnceLive(player, url, `the ${options.name} clock stream`);
    await sleep(4000);
    const pid = sfu.app.child.pid as number;
    const [bridgeBefore, sfuBefore, startedAt] = [childrenUsage(pid, 'ffmpeg'), sfu.app.usage(), performance.now()];
    const playerBefore = await player.stats(joined.id as number);
    // Only the window's encoder delays: those of the warm-up are taken and dropped.
    if (publisher instanceof ClockLivePublisherProcess) await publisher.takeEncoderDelays();
    const clock = await sampleWhepClock(player, joined.id as number, options.seconds * 1000, 1);
    const seconds = (performance.now() - startedAt) / 1000;
    const [bridgeAfter, sfuAfter] = [childrenUsage(pid, 'ffmpeg'), sfu.app.usage()];
    const jitterBufferMs = jitterBuffersBetween(playerBefore, await player.stats(joined.id as number));
    const encoderDelays = publisher instanceof ClockLivePublisherProcess ? await publisher.takeEncoderDelays() : undefined;
    await player.leave(joined.id as number);
    return {
      ...clock,
      bridgeCores: (bridgeAfter.cpuSeconds - bridgeBefore.cpuSeconds) / seconds,
      sfuCores: (sfuAfter.cpuSeconds - sfuBefore.cpuSeconds) / seconds,
      publisher: options.publisher,
      audio,
      lipSync: options.lipSync,
      encoderDelayMs: encoderDelays && summarize(encoderDelays),
      jitterBufferMs,
    };
  } finally {
    await context.close().catch(() => undefined);
    await publisher.stop();
  }
}
