import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  FakeAdbServer,
  execFileAsync,
  fakeScrcpyServerJar,
  ffprobe,
  freePorts,
  freeUdpPort,
  killAllChildren,
  startApp,
  waitFor,
  type AppProcess,
} from '@mediaplane/testing';
import { ControlPlaneProcess } from './control-plane-process';
import { descendants, freeDisplayNumber, startPulseAudio, startXvfb, stopChild, type TestPulseAudio } from './capture-processes';

interface CaptureView {
  streamId: string;
  output: string;
  state: string;
  fps: number;
  bitrateKbps: number;
  restarts: number;
  playback: { hls: string; flv: string };
}
interface DeviceView {
  id: string;
  kind: string;
  present: boolean;
  screen?: { width: number; height: number };
  capabilities: { input: boolean; audio: boolean };
  capture?: CaptureView;
}
interface Started {
  streamId: string;
  state: string;
  playback: { hls: string; flv: string };
}

/**
 * The whole platform (control plane, ingest, transcode, edge) and a capture
 * agent as real processes, driven through the public ports: the test-pattern
 * device captured through the API goes live and plays over HTTP-FLV and HLS;
 * killing its FFmpeg restarts it and the agent lives on; stopping ends the
 * stream. An Xvfb desktop captured with x11grab plays over HLS, shows the
 * slate while its display is gone and its picture again when it returns. A
 * fake Android device (fake adb server, screenrecord H.264) plays over HLS, and
 * another one captured with scrcpy-server (the agent given a 3.3.1 jar).
 */
describe('capture agent end to end (real platform)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mp-capture-'));
  let cp: ControlPlaneProcess;
  let agent: AppProcess;
  const apps: AppProcess[] = [];
  let display = 0;
  let xvfb: ChildProcess | undefined;
  let pulse: TestPulseAudio | undefined;
  let adb: FakeAdbServer | undefined;
  const androidSerial = `HLS${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const scrcpySerial = `SCR${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const tpId = `test-pattern-agent-${Math.random().toString(36).slice(2, 8)}`;
  const agentId = tpId.replace(/^test-pattern-/, '');

  const devices = async () => (await cp.api<{ devices: DeviceView[] }>('GET', '/api/v1/devices')).body.devices;
  const device = async (id: string) => (await devices()).find((d) => d.id === id);
  const isLive = async (streamId: string) => (await cp.api<{ live: boolean }>('GET', `/api/v1/streams/${streamId}`)).body.live;
  const desktopId = () => `desktop-${agentId}-${display}`;
  /** The device as listed once its capture is live. */
  const listedLive = (id: string) =>
    waitFor(async () => ((await device(id))?.capture?.state === 'live' ? device(id) : undefined), { timeoutMs: 10_000, what: 'state live' });
  /** The 360p test pattern (H.264 640x360 and AAC) plays over HTTP-FLV. */
  const expectTestPatternOverFlv = async (url: string) => {
    const flv = await ffprobe(url);
    expect(flv.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(flv.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
  };

  beforeAll(async () => {
    const [rtmpPort, ingestHttp, edgeHttp, transcodeHttp, agentHttp, rtmpsPort] = (await freePorts(6)) as [number, number, number, number, number, number];
    const srtPort = await freeUdpPort();
    display = freeDisplayNumber();
    xvfb = await startXvfb(display);
    pulse = await startPulseAudio(work);
    adb = await FakeAdbServer.start();
    // Android 4.4: too old for scrcpy-server, so this one is captured with screenrecord although the agent has a jar.
    adb.plug(androidSerial, { model: 'Pixel HLS', width: 360, height: 640, fps: 15, sdk: 19 });
    adb.plug(scrcpySerial, { model: 'Pixel scrcpy', width: 360, height: 640, fps: 15 });
    const scrcpyJar = join(work, 'scrcpy-server.jar');
    writeFileSync(scrcpyJar, fakeScrcpyServerJar('3.3.1'));
    cp = await ControlPlaneProcess.start({
      MEDIAPLANE_PUBLIC_RTMP_URL: `rtmp://127.0.0.1:${rtmpPort}/live`,
      MEDIAPLANE_PUBLIC_FLV_URL: `http://127.0.0.1:${ingestHttp}/live`,
      MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgeHttp}/hls`,
      MEDIAPLANE_PUBLIC_SRT_URL: `srt://127.0.0.1:${srtPort}`,
    });
    const env = cp.platform.env;
    apps.push(
      ...(await Promise.all([
        startApp('ingest', {
          httpPort: ingestHttp,
          env: { ...env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_RTMPS_PORT: String(rtmpsPort), INGEST_SRT_PORT: String(srtPort) },
        }),
        startApp('edge', { httpPort: edgeHttp, env }),
        startApp('transcode', { httpPort: transcodeHttp, env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_MAX_JOBS: '2' } }),
      ])),
    );
    agent = await startApp('capture-agent', {
      httpPort: agentHttp,
      env: {
        ...env,
        MEDIAPLANE_INSTANCE_ID: agentId,
        CAPTURE_AGENT_DISPLAYS: `:${display}`,
        PULSE_SERVER: pulse.server,
        CAPTURE_AGENT_PULSE_SOURCE: pulse.source,
        CAPTURE_AGENT_CAMERAS: 'false',
        CAPTURE_AGENT_DISCOVERY_MS: '1000',
        CAPTURE_AGENT_DEVICE_RETRY_MS: '1500',
        CAPTURE_AGENT_X264_PRESET: 'ultrafast',
        CAPTURE_AGENT_ADB_PORT: String(adb.port),
        CAPTURE_AGENT_SCRCPY_JAR: scrcpyJar,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await cp?.stop();
    await stopChild(xvfb);
    await stopChild(pulse?.child);
    await adb?.close();
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists the test-pattern and the Xvfb desktop with its screen size', async () => {
    await waitFor(async () => (await device(tpId)) && (await device(desktopId())), { timeoutMs: 20_000, what: 'both devices listed' });
    expect((await device(desktopId()))?.screen).toEqual({ width: 640, height: 360 });
  });

  let tpStream = '';
  it('captures the test pattern through the API: the stream goes live and plays over HTTP-FLV and HLS', async () => {
    const res = await cp.api<Started>('POST', `/api/v1/devices/${tpId}/capture`, { body: { quality: { preset: '360p' } } });
    expect(res.status).toBe(201);
    tpStream = res.body.streamId;
    await waitFor(() => isLive(tpStream), { timeoutMs: 30_000, what: 'the test-pattern stream live' });
    await expectTestPatternOverFlv(res.body.playback.flv);
    const hls = await waitFor(() => ffprobe(res.body.playback.hls), { timeoutMs: 60_000, intervalMs: 1000, what: 'HLS from the edge' });
    expect(hls.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264')).toBe(true);
    const listed = await listedLive(tpId);
    expect(listed?.capture).toMatchObject({ streamId: tpStream, state: 'live', restarts: 0 });
    expect(listed?.capture?.fps).toBeGreaterThan(0);
  }, 120_000);

  it("restarts the device's FFmpeg when it is killed, and the agent lives on", async () => {
    const ffmpeg = descendants(agent.process.pid as number).find((p) => p.cmdline.includes('ffmpeg') && p.cmdline.includes('testsrc2'));
    expect(ffmpeg).toBeDefined();
    process.kill((ffmpeg as { pid: number }).pid, 'SIGKILL');
    await waitFor(
      async () => {
        const c = (await device(tpId))?.capture;
        return c && c.restarts >= 1 && c.state === 'live';
      },
      { timeoutMs: 30_000, what: 'the capture live again after a restart' },
    );
    expect((await fetch(`${agent.httpUrl}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${agent.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`mediaplane_capture_restarts_total\\{[^}]*device="${tpId}"[^}]*reason="crashed"[^}]*\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`mediaplane_capture_fps\\{[^}]*device="${tpId}"`));
    await waitFor(() => isLive(tpStream), { timeoutMs: 30_000, what: 'the stream live again' });
    await ffprobe(`${(await device(tpId))?.capture?.playback.flv}`);
  }, 90_000);

  it('stops the capture through the API: the stream ends', async () => {
    const res = await cp.api<{ wasCapturing: boolean; streamId: string }>('DELETE', `/api/v1/devices/${tpId}/capture`);
    expect(res.body).toMatchObject({ wasCapturing: true, streamId: tpStream });
    await waitFor(async () => !(await isLive(tpStream)), { timeoutMs: 20_000, what: 'the stream offline' });
    // The device list follows with the agent's next announcement (sent right after the change).
    await waitFor(async () => (await device(tpId))?.capture === undefined, { timeoutMs: 5000, what: 'the capture gone from the device list' });
  }, 40_000);

  it('captures the test pattern over SRT into ingest: live with protocol srt, plays over HTTP-FLV and HLS', async () => {
    const res = await cp.api<Started>('POST', `/api/v1/devices/${tpId}/capture`, { body: { output: 'srt', quality: { preset: '360p' } } });
    expect(res.status).toBe(201);
    const streamId = res.body.streamId;
    const state = async () => (await cp.api<{ live: boolean; state: { protocol: string } | null }>('GET', `/api/v1/streams/${streamId}`)).body.state;
    const live = await waitFor(state, { timeoutMs: 30_000, what: 'the SRT capture live' });
    expect(live.protocol).toBe('srt');
    await expectTestPatternOverFlv(res.body.playback.flv);
    const hls = await waitFor(() => ffprobe(res.body.playback.hls), { timeoutMs: 60_000, intervalMs: 1000, what: 'HLS of the SRT capture' });
    expect(hls.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264')).toBe(true);
    const listed = await listedLive(tpId);
    expect(listed?.capture).toMatchObject({ streamId, output: 'srt', state: 'live' });
    await cp.api('DELETE', `/api/v1/devices/${tpId}/capture`);
    await waitFor(async () => !(await isLive(streamId)), { timeoutMs: 20_000, what: 'the SRT capture offline' });
  }, 120_000);

  it('captures the Xvfb desktop with x11grab and its PulseAudio sound, and plays it over HLS', async () => {
    expect((await device(desktopId()))?.capabilities).toMatchObject({ audio: true });
    const res = await cp.api<Started>('POST', `/api/v1/devices/${desktopId()}/capture`, { body: { quality: { preset: '360p' } } });
    expect(res.status).toBe(201);
    await waitFor(() => isLive(res.body.streamId), { timeoutMs: 30_000, what: 'the desktop stream live' });
    // The PulseAudio source's 440 Hz tone, not silence: FFmpeg measures its level in two seconds of the FLV.
    const { stderr } = await execFileAsync(
      'ffmpeg',
      ['-hide_banner', '-i', res.body.playback.flv, '-t', '2', '-vn', '-af', 'volumedetect', '-f', 'null', '-'],
      {
        timeout: 30_000,
      },
    );
    const meanDb = Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? Number.NEGATIVE_INFINITY);
    process.stdout.write(`desktop capture audio: mean volume ${meanDb} dB\n`);
    expect(meanDb).toBeGreaterThan(-40);
    const hls = await waitFor(() => ffprobe(res.body.playback.hls), { timeoutMs: 60_000, intervalMs: 1000, what: 'desktop HLS from the edge' });
    expect(hls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
  }, 120_000);

  it('shows the slate while the display is gone, keeping the stream live, and the desktop again when it returns', async () => {
    const streamId = (await device(desktopId()))?.capture?.streamId as string;
    await stopChild(xvfb);
    await waitFor(
      async () => {
        const d = await device(desktopId());
        return d && !d.present && d.capture?.state === 'slate';
      },
      { timeoutMs: 30_000, what: 'the slate while the display is gone' },
    );
    expect(await isLive(streamId)).toBe(true);
    const flv = await ffprobe(`${(await device(desktopId()))?.capture?.playback.flv}`);
    expect(flv.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 360 });

    xvfb = await startXvfb(display);
    await waitFor(
      async () => {
        const d = await device(desktopId());
        return d && d.present && d.capture?.state === 'live';
      },
      { timeoutMs: 30_000, what: 'the desktop back' },
    );
    expect(await isLive(streamId)).toBe(true);
    await cp.api('DELETE', `/api/v1/devices/${desktopId()}/capture`);
  }, 90_000);

  it('captures the Android device (screenrecord H.264 over adb) into ingest and plays it over HLS from the edge', async () => {
    const id = `android-${androidSerial}`;
    await waitFor(() => device(id), { timeoutMs: 20_000, what: 'the fake Android device listed' });
    const res = await cp.api<Started>('POST', `/api/v1/devices/${id}/capture`, { body: { output: 'rtmp', quality: { preset: '360p' } } });
    expect(res.status).toBe(201);
    await waitFor(() => isLive(res.body.streamId), { timeoutMs: 30_000, what: 'the Android capture live' });
    // The ladder made from screenrecord's H.264 (video only: screenrecord has no audio), served by the edge.
    const hls = await waitFor(() => ffprobe(res.body.playback.hls), { timeoutMs: 60_000, intervalMs: 1000, what: 'HLS of the Android capture' });
    expect(hls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    expect(adb?.screenrecordRuns(androidSerial).length).toBeGreaterThanOrEqual(1);
    await cp.api('DELETE', `/api/v1/devices/${id}/capture`);
    await waitFor(async () => !(await isLive(res.body.streamId)), { timeoutMs: 20_000, what: 'the Android capture offline' });
  }, 120_000);

  it('captures an Android device with scrcpy-server (pushed jar, H.264 passed through, its audio), plays it over HLS, and keeps its size when it turns', async () => {
    const id = `android-${scrcpySerial}`;
    await waitFor(() => device(id), { timeoutMs: 20_000, what: 'the scrcpy device listed' });
    const res = await cp.api<Started>('POST', `/api/v1/devices/${id}/capture`, { body: { output: 'rtmp', quality: { preset: '360p' } } });
    expect(res.status).toBe(201);
    await waitFor(() => isLive(res.body.streamId), { timeoutMs: 30_000, what: 'the scrcpy capture live' });
    const flv = await ffprobe(res.body.playback.flv);
    // 360p box for a 360x640 portrait screen: max_size 640, so the device's own 360x640.
    expect(flv.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 360, height: 640 });
    // Android 14 with scrcpy: the device's sound (raw PCM from the server) is in the stream as AAC.
    expect(flv.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const hls = await waitFor(() => ffprobe(res.body.playback.hls), { timeoutMs: 60_000, intervalMs: 1000, what: 'HLS of the scrcpy capture' });
    expect(hls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    expect(adb?.scrcpyServers(scrcpySerial)).toHaveLength(1);
    expect(adb?.screenrecordRuns(scrcpySerial)).toEqual([]);
    // Turned to landscape, scrcpy's picture becomes 640x360: passed through it would change the stream's size, so the
    // agent rebuilds the run to re-encode into the same 360x640 box (letterboxed), and the stream goes on.
    adb?.rotate(scrcpySerial, 90);
    await waitFor(() => readFileSync(agent.logFile, 'utf8').includes('device turned: its picture is re-encoded'), { timeoutMs: 15_000, what: 'the turn seen' });
    await waitFor(() => readFileSync(agent.logFile, 'utf8').includes('rebuilding the publish run'), { timeoutMs: 15_000, what: 'the run rebuilt' });
    await waitFor(() => (adb?.scrcpyServers(scrcpySerial).length ?? 0) >= 2, { timeoutMs: 15_000, what: 'the rebuilt run' });
    // The rebuilt run publishes again (the old publisher left with the old run): probe until it is back.
    const turned = await waitFor(() => ffprobe(res.body.playback.flv), { timeoutMs: 30_000, intervalMs: 500, what: 'the re-encoded stream' });
    expect(turned.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 360, height: 640 });
    expect(await isLive(res.body.streamId)).toBe(true);
    await cp.api('DELETE', `/api/v1/devices/${id}/capture`);
    await waitFor(async () => !(await isLive(res.body.streamId)), { timeoutMs: 20_000, what: 'the scrcpy capture offline' });
    await waitFor(() => adb?.scrcpyServers(scrcpySerial).every((r) => r.endedAt !== undefined), { what: 'the servers on the device ended' });
  }, 120_000);

  it("never wrote a stream key into the agent's log", () => {
    const log = readFileSync(agent.logFile, 'utf8');
    expect(log).toContain('capture started by command');
    // Percent-decoded too: the SRT URL carries the key inside its streamid as `r%3Dlive%2Fsk_…`.
    const decoded = log.replace(/%([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    expect(decoded.match(/(?<![A-Za-z0-9])sk_[A-Za-z0-9_-]{6,}/g) ?? []).toEqual([]);
  });
});
