import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { BrowserRtcClient, freePort, freeUdpPort, killAllChildren, launchChromium, startApp, waitFor, type AppProcess } from '@mediaplane/testing';
import { enhancedRtmpPublish, type EnhancedRtmpPublisher } from '../../apps/ingest/test/enhanced-rtmp-publisher';
import { bridgeFfmpegsOf } from '../../apps/sfu/test/bridge-processes';
import { availableEngines } from '../../apps/sfu/test/sfu-engines';
import { SfuHarness } from '../../apps/sfu/test/sfu-harness';

jest.setTimeout(120_000);

interface StreamState {
  state: null | { videoCodec: string | null; audioCodec: string | null };
}

/** Sources Debian's FFmpeg 5.1 does not read in FLV; FFmpeg 5.1 cannot publish E-RTMP, so our own publisher sends them. */
const SOURCES = [
  { name: "E-RTMP 'hvc1' HEVC with AAC", video: 'hevc', audio: 'aac', mode: 'reencode' },
  { name: "H.264 without B-frames with E-RTMP 'Opus'", video: 'h264', audio: 'opus', mode: 'passthrough' },
  { name: "H.264 without B-frames with E-RTMP 'ac-3' AC-3", video: 'h264', audio: 'ac3', mode: 'passthrough' },
  { name: "E-RTMP 'hvc1' HEVC with E-RTMP 'ec-3' E-AC-3", video: 'hevc', audio: 'eac3', mode: 'reencode' },
  { name: "H.264 without B-frames with E-RTMP 'fLaC' FLAC", video: 'h264', audio: 'flac', mode: 'passthrough' },
  { name: "E-RTMP 'av01' AV1 with E-RTMP 'Opus'", video: 'av1', audio: 'opus', mode: 'reencode' },
  { name: "E-RTMP 'vp09' VP9, video only", video: 'vp9', audio: undefined, mode: 'reencode' },
] as const;

const covered = availableEngines().engines.includes('mediasoup');
if (!covered) process.stdout.write('[e2e] E-RTMP → WHEP not covered: the bridge needs the mediasoup engine, and no mediasoup worker exists here\n');

/**
 * E-RTMP publish → ingest → the SFU's WebRTC bridge → Chromium over WHEP, on
 * the real platform's public ports: the bridge reads these codecs as Matroska
 * muxed by its relay (FFmpeg 5.1 reads none of HEVC, AV1, VP9 or E-RTMP Opus,
 * FLAC, AC-3 and E-AC-3 in FLV), re-encodes every video codec but H.264, copies Opus
 * into RTP and encodes FLAC, AC-3 and E-AC-3 to Opus.
 */
(covered ? describe : describe.skip)(
  'E-RTMP HEVC, AV1, VP9, Opus, FLAC, AC-3 and E-AC-3 sources → WHEP through the bridge (mediasoup, Chromium, real platform)',
  () => {
    let harness: SfuHarness;
    let ingest: AppProcess;
    let browser: Browser;
    let viewer: BrowserRtcClient;
    let rtmpPort: number;

    beforeAll(async () => {
      rtmpPort = await freePort();
      [harness, browser] = await Promise.all([SfuHarness.start(['mediasoup'], { SFU_BRIDGE_IDLE_STOP_MS: '1500' }), launchChromium({ webrtc: true })]);
      ingest = await startApp('ingest', {
        httpPort: await freePort(),
        env: { ...harness.platform.env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_SRT_PORT: String(await freeUdpPort()) },
      });
      viewer = await BrowserRtcClient.open(await browser.newPage(), `${harness.sfu('mediasoup').httpUrl}/healthz`);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await ingest?.stop();
      await harness?.stop();
      await killAllChildren();
    });

    it.each(SOURCES)(
      '$name: Chromium decodes it through a $mode bridge reading Matroska (Opus copied rather than encoded again)',
      async ({ video, audio, mode }) => {
        const sfu = harness.sfu('mediasoup');
        const stream = await harness.createStream(`bridge ${video} ${audio}`);
        let publisher: EnhancedRtmpPublisher | undefined;
        try {
          publisher = await enhancedRtmpPublish({ port: rtmpPort, streamKey: stream.streamKey, video, audio, fps: 25, gopFrames: 50 });
          await waitFor(
            async () => {
              const s = await harness.api<StreamState>('GET', `/streams/${stream.id}`);
              return s.state?.videoCodec === video && s.state.audioCodec === (audio ?? null) ? s : undefined;
            },
            { timeoutMs: 20_000, what: `the stream to be live with ${video} and ${audio ?? 'no audio'}` },
          );
          const played = await viewer.whep(`${sfu.httpUrl}/whep/${stream.id}`);
          expect({ status: played.status, body: played.status === 201 ? '' : played.body }).toEqual({ status: 201, body: '' });
          expect(await harness.metric('mediasoup', 'mediaplane_sfu_bridges', { mode })).toBe(1);
          const decoded = await waitFor(
            async () => {
              const s = await viewer.stats(played.id as number);
              return s && s.framesDecoded >= 25 ? s : undefined;
            },
            { timeoutMs: 30_000, what: 'Chromium to decode 25 frames' },
          );
          expect(decoded.frameWidth).toBe(640);
          const [ffmpeg] = bridgeFfmpegsOf(sfu.process.pid as number);
          const args = readFileSync(`/proc/${ffmpeg as number}/cmdline`, 'utf8').split('\0');
          expect(args[args.indexOf('-i') - 1]).toBe('matroska');
          if (audio === undefined) {
            expect(args).not.toContain('-c:a');
          } else {
            expect(decoded.audioBytes).toBeGreaterThan(0);
            expect(args[args.indexOf('-c:a') + 1]).toBe(audio === 'opus' ? 'copy' : 'libopus');
          }
          expect(await viewer.remove(played.id as number)).toBe(200);
          await waitFor(async () => ((await harness.metric('mediasoup', 'mediaplane_sfu_bridges', { mode })) === 0 ? true : undefined), {
            timeoutMs: 15_000,
            what: 'the bridge to stop after its viewer left',
          });
        } finally {
          await publisher?.stop();
        }
      },
    );
  },
);
