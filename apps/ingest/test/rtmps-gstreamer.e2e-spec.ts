import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPublish, ffprobe, killAllChildren, spawnTracked, stopProcess, waitFor } from '@mediaplane/testing';
import { IngestHarness } from './ingest-harness';

jest.setTimeout(120_000);

function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

describe('ingest over RTMPS and with other encoders', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await IngestHarness.start({ rtmps: selfSignedCertificate() });
  });

  afterAll(async () => {
    await harness?.stop();
    await killAllChildren();
  });

  it('accepts an FFmpeg publisher over RTMPS (self-signed certificate) and plays it over RTMPS and HTTP-FLV', async () => {
    const stream = harness.addStream();
    const pub = ffmpegPublish({ url: `rtmps://127.0.0.1:${harness.rtmpsPort}/live/${stream.key}`, width: 426, height: 240, fps: 30 });
    try {
      await harness.waitLive(stream.id);
      const started = await waitFor(() => harness.eventsFor(stream.id, 'started')[0], { what: 'streamStarted' });
      expect(started.payload).toMatchObject({ protocol: 'rtmps', media: { video: { width: 426, height: 240, fps: 30 } } });
      const flv = await ffprobe(harness.flvUrl(stream.id));
      expect(flv.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 426, height: 240, r_frame_rate: '30/1' });
      const tls = await ffprobe(`rtmps://127.0.0.1:${harness.rtmpsPort}/live/${stream.id}`);
      expect(tls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 426, height: 240 });
      expect(await harness.metric('mediaplane_ingest_publishers', { protocol: 'rtmps' })).toBe(1);
    } finally {
      await pub.stop();
    }
  });

  it('refuses a plain-RTMP client on the RTMPS port without disturbing the listener', async () => {
    await expect(ffprobe(`rtmp://127.0.0.1:${harness.rtmpsPort}/live/x`, [], 8000)).rejects.toThrow();
    expect((await fetch(`${harness.httpUrl}/readyz`)).status).toBe(200);
  });

  it('accepts GStreamer rtmp2sink (x264 + AAC in flvmux) and reports its media', async () => {
    const stream = harness.addStream();
    const pipeline = [
      '-q',
      'videotestsrc',
      'is-live=true',
      '!',
      'video/x-raw,width=480,height=270,framerate=30/1',
      '!',
      'x264enc',
      'tune=zerolatency',
      'speed-preset=ultrafast',
      'key-int-max=30',
      'bitrate=600',
      '!',
      'h264parse',
      '!',
      'video/x-h264,stream-format=avc',
      '!',
      'flvmux',
      'name=m',
      'streamable=true',
      '!',
      'rtmp2sink',
      `location=${harness.rtmpUrl(stream.key)}`,
      'audiotestsrc',
      'is-live=true',
      '!',
      'audioconvert',
      '!',
      'audio/x-raw,rate=48000,channels=2',
      '!',
      'avenc_aac',
      '!',
      'aacparse',
      '!',
      'm.',
    ];
    const gst = spawnTracked('gst-launch-1.0', pipeline, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    gst.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    try {
      await harness.waitLive(stream.id, 30_000).catch((error: Error) => {
        throw new Error(`${error.message}; gst-launch said: ${stderr}`);
      });
      const state = await waitFor(
        async () => {
          const s = await harness.liveState(stream.id);
          return s?.media.audio?.sampleRate ? s : undefined;
        },
        { what: 'audio info from GStreamer' },
      );
      expect(state.media.video).toMatchObject({ codec: 'h264', width: 480, height: 270, fps: 30 });
      expect(state.media.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 2 });
      const probed = await ffprobe(harness.flvUrl(stream.id));
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 480, height: 270 });
      expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    } finally {
      await stopProcess(gst, 3000, 'SIGINT');
    }
    const ended = await waitFor(() => harness.eventsFor(stream.id, 'ended')[0], { what: 'streamEnded after GStreamer stops' });
    expect(['publisher_closed', 'error']).toContain(ended.payload['reason']);
  });
});
