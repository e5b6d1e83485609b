import { killAllChildren, spawnTracked, stopProcess, waitFor } from '@mediaplane/testing';
import type { ChildProcess } from 'node:child_process';
import { findMediasoupWorker } from '../create-rtc-engine';
import type { RtcPlainRtpInput } from '../rtc-engine';
import { TestPlayer } from '../testing/werift-test-peer';
import { MediasoupEngine } from './mediasoup-engine';

/**
 * Plain RTP in (what the RTMP → WebRTC bridge feeds): a real FFmpeg sends
 * H.264 and Opus over RTP, as the bridge does (`-f rtp`, fixed SSRC and
 * payload type, RTCP on its own port), and a WebRTC viewer gets both.
 */
const worker = findMediasoupWorker();
const describeWithWorker = worker ? describe : describe.skip;
if (!worker) process.stdout.write('mediasoup plain-RTP spec not run: no mediasoup worker (MEDIASOUP_WORKER_BIN)\n');

function rtpTo(input: RtcPlainRtpInput, ssrc: number, payloadType: number): string[] {
  return ['-f', 'rtp', '-ssrc', String(ssrc), '-payload_type', String(payloadType), `rtp://${input.ip}:${input.port}?rtcpport=${input.rtcpPort}&pkt_size=1200`];
}

describeWithWorker('mediasoup plain RTP input', () => {
  let engine: MediasoupEngine | undefined;
  let player: TestPlayer | undefined;
  let ffmpeg: ChildProcess | undefined;

  afterEach(async () => {
    if (ffmpeg) await stopProcess(ffmpeg, 2000);
    await player?.close().catch(() => undefined);
    await engine?.close();
    await killAllChildren();
  });

  it('forwards FFmpeg RTP (H.264 + Opus) to a WebRTC viewer, reports keyframes, and closes its producers with it', async () => {
    const base = 44000 + Math.floor(Math.random() * 20) * 100;
    engine = await MediasoupEngine.create({ listenIp: '127.0.0.1', rtcMinPort: base, rtcMaxPort: base + 99, workers: 1 });
    const router = await engine.createRouter('plain');
    const plain = await router.receivePlainRtp(
      [
        {
          kind: 'video',
          mimeType: 'video/H264',
          payloadType: 96,
          ssrc: 1111,
          clockRate: 90000,
          parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' },
        },
        { kind: 'audio', mimeType: 'audio/opus', payloadType: 111, ssrc: 2222, clockRate: 48000, channels: 2 },
      ],
      { label: 'plain' },
    );
    const [video, audio] = plain.inputs as [RtcPlainRtpInput, RtcPlainRtpInput];
    expect(video.producer.kind).toBe('video');
    expect(audio.producer.mimeType).toBe('audio/opus');
    expect(video.ip).toBe('127.0.0.1');
    expect(new Set([video.port, video.rtcpPort, audio.port, audio.rtcpPort]).size).toBe(4);
    let keyframes = 0;
    video.producer.on('keyframe', () => keyframes++);

    player = await TestPlayer.create();
    const sent = await router.send(await player.createOffer(), [video.producer, audio.producer], { label: 'viewer' });
    await player.accept(sent.answerSdp);
    expect(sent.consumers.map((c) => c.kind).sort()).toEqual(['audio', 'video']);

    // prettier-ignore
    ffmpeg = spawnTracked('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '20',
      '-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', '25', ...rtpTo(video, 1111, 96),
      '-map', '1:a', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', ...rtpTo(audio, 2222, 111),
    ], { stdio: 'ignore' });

    // Two keyframes a GOP (1 s) apart, seen by the producer's trace and by the viewer.
    await waitFor(() => keyframes >= 2 && player!.received.video.keyframes >= 2 && player!.received.audio.packets >= 25, {
      timeoutMs: 15_000,
      what: 'two keyframes traced and received, and audio',
    });
    expect(player.received.video.ssrcs.size).toBe(1);

    const closed = new Promise<void>((resolve) => video.producer.once('closed', resolve));
    plain.close();
    await closed;
    expect(audio.producer.closed).toBe(true);
    expect(engine.stats().producers).toBe(0);
  });
});
