import { launchChromium, sleep } from '@mediaplane/testing';
import { ClockPlayerPage } from '../sfu-latency/clock-pages';
import { ClockRtmpPublisher } from './clock-rtmp-publisher';
import { childrenUsage } from './proc-stats';
import type { BenchSfu, SfuBenchPlatform } from './sfu-bench-platform';
import { joinOnceLive, sampleWhepClock, type WhepClockLatency } from './whep-clock-latency';

export interface RtmpWhepLatency extends WhepClockLatency {
  /** CPU of the stream's one bridge (the SFU's FFmpeg children) while one viewer watched, in cores. */
  bridgeCores: number;
  /** The SFU's whole process group (Node, mediasoup worker, the bridge) over the same window, in cores. */
  sfuCores: number;
}

/**
 * Glass-to-glass through the bridge: an RTMP publisher burns the wall clock
 * into every frame (ClockRtmpPublisher), Chromium plays the stream over WHEP
 * and reads the clock of every frame it presents. The same window gives the
 * CPU of the one bridge that serves it.
 */
export async function measureRtmpWhepLatency(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  platform: SfuBenchPlatform,
  sfu: BenchSfu,
  rtmpPort: number,
  options: { name: string; seconds: number; gop: number; fps: number; encoderArgs: string[] },
): Promise<RtmpWhepLatency> {
  const stream = await platform.createStream(`rtmp-whep clock ${options.name}`);
  const publisher = ClockRtmpPublisher.start({
    url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`,
    fps: options.fps,
    gopFrames: Math.round(options.gop * options.fps),
    videoBitrateKbps: 2500,
    encoderArgs: options.encoderArgs,
  });
  const context = await browser.newContext();
  try {
    const player = await ClockPlayerPage.open(await context.newPage(), `${sfu.app.httpUrl}/readyz`);
    const url = sfu.whepUrl(stream.id);
    const joined = await joinOnceLive(player, url, `the ${options.name} clock stream`);
    await sleep(4000);
    const pid = sfu.app.child.pid as number;
    const [bridgeBefore, sfuBefore, startedAt] = [childrenUsage(pid, 'ffmpeg'), sfu.app.usage(), performance.now()];
    const clock = await sampleWhepClock(player, joined.id as number, options.seconds * 1000, 1);
    const seconds = (performance.now() - startedAt) / 1000;
    const [bridgeAfter, sfuAfter] = [childrenUsage(pid, 'ffmpeg'), sfu.app.usage()];
    await player.leave(joined.id as number);
    return {
      ...clock,
      bridgeCores: (bridgeAfter.cpuSeconds - bridgeBefore.cpuSeconds) / seconds,
      sfuCores: (sfuAfter.cpuSeconds - sfuBefore.cpuSeconds) / seconds,
    };
  } finally {
    await context.close().catch(() => undefined);
    await publisher.stop();
  }
}
