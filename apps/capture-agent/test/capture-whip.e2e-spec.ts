import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  BrowserRoomClient,
  BrowserRtcClient,
  FakeAdbServer,
  fakeScrcpyServerJar,
  WhipRelayProxy,
  freePorts,
  freeRtcPortRange,
  killAllChildren,
  launchChromium,
  loopbackSfuEnv,
  sleep,
  startApp,
  waitFor,
  type AppProcess,
} from '@mediaplane/testing';
import { ControlPlaneProcess } from './control-plane-process';

interface Started {
  streamId: string;
  output: string;
  playback: { whep: string };
}
interface DeviceView {
  id: string;
  capture?: { state: string; output: string; quality: { height: number; bitrateKbps: number }; adaptive?: { step: number; changes: number } };
}
interface InputResult {
  type: string;
  requestId?: string;
  ok: boolean;
  code?: string;
}

/**
 * Captures over WHIP end to end, every process real: control plane, SFU
 * (mediasoup), the capture agent with a fake adb server's Android device and
 * the test pattern. Starting `output: whip` through the API makes the agent
 * publish to the SFU (werift, FFmpeg RTP); Chromium watches over WHEP and
 * decodes frames. A Chromium room participant of the device's room with a
 * control token taps over the data channel and the fake device receives
 * `input tap x y`; one without the grant is refused. With a lossy uplink
 * (WhipRelayProxy + UdpThrottleRelay between agent and SFU) the agent steps
 * its encoder down and climbs back when the loss stops.
 */
describe('capture over WHIP (real platform, Chromium viewers)', () => {
  let cp: ControlPlaneProcess;
  let sfu: AppProcess;
  let agent: AppProcess;
  let adb: FakeAdbServer;
  let proxy: WhipRelayProxy;
  let browser: Browser;
  const agentId = `whip-agent-${Math.random().toString(36).slice(2, 8)}`;
  const tpId = `test-pattern-${agentId}`;
  const serial = `WHIP${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const androidId = `android-${serial}`;
  const scrcpySerial = `SCRW${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const scrcpyId = `android-${scrcpySerial}`;
  const work = mkdtempSync(join(tmpdir(), 'mp-capture-whip-'));

  const devices = async () => (await cp.api<{ devices: DeviceView[] }>('GET', '/api/v1/devices')).body.devices;
  const device = async (id: string) => (await devices()).find((d) => d.id === id);
  const agentLog = () => readFileSync(agent.logFile, 'utf8');
  const metrics = async () => (await fetch(`${agent.httpUrl}/metrics`)).text();
  /** A sample of the agent's metric with every given label (in any order, among others). */
  const metric = (text: string, name: string, labels: Record<string, string>) => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return Number.NaN;
  };
  /** The sum of the agent's metric over every sample with the given labels (e.g. a counter's reasons). */
  const metricTotal = (text: string, name: string, labels: Record<string, string>) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

  beforeAll(async () => {
    const [sfuHttp, agentHttp] = (await freePorts(2)) as [number, number];
    adb = await FakeAdbServer.start();
    // Android 4.4: captured with screenrecord although the agent has a scrcpy jar (scrcpy needs 5.0).
    adb.plug(serial, { model: 'Pixel WHIP', width: 360, height: 640, fps: 15, sdk: 19 });
    adb.plug(scrcpySerial, { model: 'Pixel scrcpy', width: 360, height: 640, fps: 15 });
    const scrcpyJar = join(work, 'scrcpy-server.jar');
    writeFileSync(scrcpyJar, fakeScrcpyServerJar('3.3.1'));
    // The agent publishes through a proxy that can put loss on its uplink (the adaptive test); viewers use the SFU.
    proxy = await WhipRelayProxy.start(`http://127.0.0.1:${sfuHttp}`);
    cp = await ControlPlaneProcess.start({ MEDIAPLANE_PUBLIC_WHIP_URL: `${proxy.url}/whip`, MEDIAPLANE_PUBLIC_WHEP_URL: `http://127.0.0.1:${sfuHttp}/whep` });
    const env = cp.platform.env;
    sfu = await startApp('sfu', { httpPort: sfuHttp, env: { ...env, ...loopbackSfuEnv('mediasoup', await freeRtcPortRange(40)) } });
    agent = await startApp('capture-agent', {
      httpPort: agentHttp,
      env: {
        ...env,
        MEDIAPLANE_INSTANCE_ID: agentId,
        DISPLAY: '',
        CAPTURE_AGENT_DISPLAYS: '',
        CAPTURE_AGENT_CAMERAS: 'false',
        CAPTURE_AGENT_ADB_PORT: String(adb.port),
        CAPTURE_AGENT_SCRCPY_JAR: scrcpyJar,
        CAPTURE_AGENT_X264_PRESET: 'ultrafast',
        CAPTURE_AGENT_WHIP_ICE_ADDRESS: '127.0.0.1',
        CAPTURE_AGENT_ADAPTIVE_UP_AFTER_MS: '4000',
        // Loss is what this test injects. The loopback REMB estimate and RR round trip swing with CPU load on a shared
        // two-core machine (an agent forwarding RTP in JavaScript next to Chromium and FFmpeg), so they stay out.
        CAPTURE_AGENT_ADAPTIVE_SIGNALS: 'loss',
        MEDIAPLANE_LOG_LEVEL: 'debug',
      },
    });
    browser = await launchChromium({ webrtc: true });
    await waitFor(async () => (await device(tpId)) && (await device(androidId)), { timeoutMs: 30_000, what: 'both devices listed' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await sfu?.stop();
    await cp?.stop();
    await proxy?.close();
    await adb?.close();
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  /** Resolves once the device's capture has stayed at the top adaptive rung, with no change, for 4 s. */
  async function topRungFor4s(deviceId: string): Promise<void> {
    let changes = -1;
    let stillSince = Date.now();
    await waitFor(
      async () => {
        const text = await metrics();
        const now = metricTotal(text, 'mediaplane_capture_adaptive_changes_total', { device: deviceId });
        if (now !== changes) [changes, stillSince] = [now, Date.now()];
        return metric(text, 'mediaplane_capture_adaptive_step', { device: deviceId }) === 0 && Date.now() - stillSince >= 4000 ? true : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 250, what: 'the quality still at the top rung for 4 s' },
    );
  }

  /** A Chromium WHEP viewer of the stream; resolves once it has decoded `frames` frames, with its stats. */
  async function watch(whepUrl: string, frames: number) {
    const viewer = await BrowserRtcClient.open(await browser.newPage(), `${sfu.httpUrl}/healthz`);
    const exchange = await viewer.whep(whepUrl);
    expect(exchange.status).toBe(201);
    const id = exchange.id as number;
    const first = await waitFor(async () => ((await viewer.stats(id))?.framesDecoded ?? 0) > 0 && viewer.stats(id), {
      timeoutMs: 30_000,
      what: 'first decoded frame',
    });
    const stats = await waitFor(
      async () => {
        const s = await viewer.stats(id);
        return s && s.framesDecoded >= (first ? first.framesDecoded : 0) + frames ? s : undefined;
      },
      { timeoutMs: 30_000, what: `${frames} more decoded frames` },
    );
    return { viewer, id, stats };
  }

  it('captures the test pattern with output whip through the API: Chromium decodes it over WHEP', async () => {
    const res = await cp.api<Started>('POST', `/api/v1/devices/${tpId}/capture`, { body: { output: 'whip', quality: { preset: '360p' } } });
    expect(res.status).toBe(201);
    expect(res.body.output).toBe('whip');
    const { viewer, id, stats } = await watch(res.body.playback.whep, 30);
    expect(stats).toMatchObject({ state: 'connected', frameWidth: 640, frameHeight: 360 });
    expect(stats.audioBytes).toBeGreaterThan(0); // Opus from the test pattern's tone
    await viewer.remove(id);
    await viewer.page.close();
    const listed = await waitFor(async () => ((await device(tpId))?.capture?.state === 'live' ? device(tpId) : undefined), { timeoutMs: 10_000, what: 'live' });
    // The adaptive state is listed (its step may already have moved on a loaded machine; the last test drives it).
    expect(listed?.capture).toMatchObject({ output: 'whip', state: 'live', adaptive: { steps: 3 } });
    const log = agentLog();
    expect(log).toContain('WHIP session connected');
  }, 120_000);

  it("passes the Android device's H.264 through over WHIP and Chromium decodes it", async () => {
    const keyframeAsks = () => agentLog().split('keyframe requested by a receiver').length - 1;
    const res = await cp.api<Started>('POST', `/api/v1/devices/${androidId}/capture`, {
      body: { output: 'whip', quality: { width: 360, height: 640, fps: 15, bitrateKbps: 600 } },
    });
    expect(res.status).toBe(201);
    const { viewer, id, stats } = await watch(res.body.playback.whep, 15);
    // The picture is the device's (screenrecord's size, passed through): portrait like its screen.
    expect(stats.frameHeight).toBeGreaterThan(stats.frameWidth);
    expect(agentLog()).not.toMatch(/libx264.*android|android.*libx264/);

    // screenrecord's GOP is 10 s. A second viewer joining mid-GOP (past the agent's 3 s between keyframe asks) sends a
    // PLI; the agent hands screenrecord over to a new run early (seamless, as at its time limit), which begins with a
    // keyframe: the viewer sees the device within seconds, not at the next of screenrecord's own keyframes.
    // (Other restarts — an adaptive step — also bring keyframes, so the agent's log says whether a PLI restarted a run.)
    // An adaptive step brings a keyframe of its own (a seamless screenrecord hand-over) that would answer the second
    // viewer's PLI before the agent asks (a CI run: the early step's climb back did): join once the quality has
    // stayed at the top rung for 4 s (also past the agent's 3 s between keyframe asks).
    // A join's PLI is left to screenrecord's own keyframe when that is due within CAPTURE_AGENT_KEYFRAME_MAX_WAIT_MS (2 s of
    // its 10 s GOP), and a join can land there by chance: up to three joins, each once the quality has settled again
    // (also past the agent's 3 s between asks), until one is asked for. A late own keyframe is asked for (0.5 s grace),
    // so the first viewer's join may have been asked for too: only asks after each second viewer's join count.
    const joins: number[] = [];
    let asked = false;
    while (!asked && joins.length < 3) {
      await topRungFor4s(androidId);
      const asksBefore = keyframeAsks();
      const joinedAt = performance.now();
      const second = await watch(res.body.playback.whep, 1);
      joins.push(Math.round(performance.now() - joinedAt));
      process.stdout.write(`second WHEP viewer of the passed-through device, join ${joins.length}: first frames after ${joins.at(-1)} ms\n`);
      asked = await waitFor(() => keyframeAsks() > asksBefore, { timeoutMs: 8000 }).then(
        () => true,
        () => false,
      );
      await second.viewer.remove(second.id);
      await second.viewer.page.close();
    }
    expect({ joins: joins.length, asked }).toEqual({ joins: expect.any(Number), asked: true });
    expect(agentLog()).toContain('keyframe asked of the device');
    expect(agentLog()).toContain('screenrecord run handed over to the next one');
    // The wait is printed, not bounded: on a loaded machine it was still 8 s or more (see the capture-agent README).
    // The first viewer kept decoding across the hand-over.
    const after = await viewer.stats(id);
    expect(after?.framesDecoded ?? 0).toBeGreaterThan(stats.framesDecoded);
    await viewer.remove(id);
    await viewer.page.close();
  }, 240_000);

  it("passes a scrcpy device's H.264 and its sound over WHIP; a joining viewer's PLI becomes scrcpy's RESET_VIDEO", async () => {
    const res = await cp.api<Started>('POST', `/api/v1/devices/${scrcpyId}/capture`, {
      body: { output: 'whip', quality: { width: 360, height: 640, fps: 15, bitrateKbps: 600 } },
    });
    expect(res.status).toBe(201);
    const { viewer, id, stats } = await watch(res.body.playback.whep, 15);
    expect(stats.frameHeight).toBeGreaterThan(stats.frameWidth);
    // Android 14: the device's raw PCM, Opus-encoded by the run, reaches the browser.
    await waitFor(async () => ((await viewer.stats(id))?.audioBytes ?? 0) > 0, { timeoutMs: 15_000, what: 'audio from the device' });
    // As with screenrecord: join once the quality has settled, so no adaptive hand-over answers the PLI first.
    await topRungFor4s(scrcpyId);
    const resetsBefore = adb.scrcpyServers(scrcpySerial).reduce((n, r) => n + r.videoResets, 0);
    const joinedAt = performance.now();
    const second = await watch(res.body.playback.whep, 1);
    process.stdout.write(`second WHEP viewer of the scrcpy device: first frames after ${Math.round(performance.now() - joinedAt)} ms\n`);
    // The fake's GOP is 10 s like MediaCodec's: the keyframe came from RESET_VIDEO in the running server, not a new run.
    await waitFor(() => adb.scrcpyServers(scrcpySerial).reduce((n, r) => n + r.videoResets, 0) > resetsBefore, {
      timeoutMs: 15_000,
      what: 'RESET_VIDEO sent to the device for the PLI',
    });
    expect(adb.scrcpyServers(scrcpySerial).every((r) => r.controlMessageTypes.every((t) => t === 17))).toBe(true);
    for (const v of [second, { viewer, id }]) await v.viewer.remove(v.id);
    await second.viewer.page.close();
    await viewer.page.close();
    await cp.api('DELETE', `/api/v1/devices/${scrcpyId}/capture`);
  }, 120_000);

  it('forwards a tap from a room data channel (control grant) to the device as `input tap x y`, and refuses a viewer without the grant', async () => {
    const token = async (identity: string, control: boolean) =>
      (
        await cp.api<{ token: string }>('POST', `/api/v1/rooms/${androidId}/tokens`, {
          body: { identity, grants: { publish: true, subscribe: true, control } },
        })
      ).body.token;
    const roomUrl = (t: string) => `${sfu.httpUrl.replace('http:', 'ws:')}/rooms/${androidId}?token=${encodeURIComponent(t)}`;
    const join = async (identity: string, control: boolean) => {
      const client = await BrowserRoomClient.open(await browser.newPage(), `${sfu.httpUrl}/healthz`);
      await client.join(roomUrl(await token(identity, control)));
      expect((await client.publish(true)).type).toBe('published');
      await waitFor(() => client.channelOpen(), { timeoutMs: 20_000, what: `${identity}'s data channel open` });
      return client;
    };
    const results = async (client: BrowserRoomClient) =>
      (await client.received())
        .map((raw) => JSON.parse(raw) as { from: string; data?: InputResult })
        .filter((m) => m.from === 'sfu')
        .map((m) => m.data as InputResult);
    const send = (client: BrowserRoomClient, requestId: string, x: number, y: number) =>
      client.sendData(JSON.stringify({ type: 'device-input', requestId, deviceId: androidId, command: { type: 'tap', x, y } }));

    const controller = await join('operator', true);
    const viewer = await join('viewer', false);
    const before = adb.inputCommands(serial).length;

    await send(controller, 't1', 120, 345);
    const ok = await waitFor(async () => (await results(controller)).find((r) => r.requestId === 't1'), { timeoutMs: 15_000, what: 'the input result' });
    expect(ok).toMatchObject({ type: 'device-input-result', ok: true });
    const taps = adb.inputCommands(serial).slice(before);
    expect(taps.map((c) => c.argv)).toEqual([['input', 'tap', '120', '345']]);

    await send(viewer, 'v1', 10, 10);
    const refused = await waitFor(async () => (await results(viewer)).find((r) => r.requestId === 'v1'), { timeoutMs: 15_000, what: 'the refusal' });
    expect(refused).toMatchObject({ ok: false, code: 'forbidden' });
    // Outside the screen (360x640): checked by the agent, which knows the screen.
    await send(controller, 't2', 1000, 10);
    expect(await waitFor(async () => (await results(controller)).find((r) => r.requestId === 't2'), { timeoutMs: 15_000, what: 'outside' })).toMatchObject({
      ok: false,
      code: 'bad_message',
    });
    await sleep(500);
    expect(adb.inputCommands(serial).length).toBe(before + 1);
    // The input messages are the SFU's: the other participant never saw them relayed.
    expect((await viewer.received()).some((raw) => raw.includes('"t1"'))).toBe(false);
    await controller.leave();
    await viewer.leave();
  }, 120_000);

  it('steps the encoder down within seconds of 20% uplink loss and back up after the loss stops', async () => {
    const stopped = await cp.api('DELETE', `/api/v1/devices/${androidId}/capture`);
    expect(stopped.status).toBe(200);
    const down = { device: tpId, direction: 'down' };
    const up = { device: tpId, direction: 'up' };
    const dev = { device: tpId };
    // Start from the top rung (a loaded machine may have cost a step earlier; it climbs back on its own).
    await waitFor(async () => metric(await metrics(), 'mediaplane_capture_adaptive_step', dev) === 0, { timeoutMs: 30_000, what: 'the top step' });
    const before = await metrics();
    const downBefore = metric(before, 'mediaplane_capture_adaptive_changes_total', down);

    const lossAt = Date.now();
    proxy.setUpstreamLoss(0.2);
    await waitFor(async () => metric(await metrics(), 'mediaplane_capture_adaptive_changes_total', down) > downBefore, {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: 'a step down',
    });
    const reactionMs = Date.now() - lossAt;
    const stepped = await metrics();
    expect(metric(stepped, 'mediaplane_capture_adaptive_step', dev)).toBe(1);
    expect(metric(stepped, 'mediaplane_capture_target_bitrate_kbps', dev)).toBe(500);
    // Loose bound (loaded CI): the controller itself decides on the second lossy report, about 1-2 s in.
    expect(reactionMs).toBeLessThan(10_000);

    proxy.setUpstreamLoss(0);
    await waitFor(async () => metric(await metrics(), 'mediaplane_capture_adaptive_step', dev) === 0, {
      timeoutMs: 40_000,
      intervalMs: 500,
      what: 'back at the top step',
    });
    const after = await metrics();
    expect(metric(after, 'mediaplane_capture_adaptive_changes_total', up)).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'mediaplane_capture_target_bitrate_kbps', dev)).toBe(800);
    const log = agentLog();
    expect(log).toMatch(/adaptive quality change[\s\S]*"direction":"down"|"direction":"down"[\s\S]*adaptive quality change/);
    // Never a jump: every logged change moved one rung.
    const steps = log
      .split('\n')
      .filter((line) => line.includes(`"deviceId":"${tpId}"`) && line.includes('adaptive quality change'))
      .map((line) => Number(/"step":(\d+)/.exec(line)?.[1]));
    let previous = 0;
    for (const step of steps) {
      expect(Math.abs(step - previous)).toBe(1);
      previous = step;
    }
    process.stderr.write(`adaptive: step down ${reactionMs} ms after 20% uplink loss began; steps logged: ${steps.join(' → ')}\n`);
    // The stream key never reached the agent's log.
    expect(log.match(/(?<![A-Za-z0-9])sk_[A-Za-z0-9_-]{6,}/g) ?? []).toEqual([]);
  }, 120_000);

  it('steps a passed-through Android capture down without a new publish run: screenrecord hands over at the lower size and the viewer follows', async () => {
    const dev = { device: androidId };
    const res = await cp.api<Started>('POST', `/api/v1/devices/${androidId}/capture`, {
      body: { output: 'whip', quality: { width: 360, height: 640, fps: 15, bitrateKbps: 600 } },
    });
    expect(res.status).toBe(201);
    const { viewer, id } = await watch(res.body.playback.whep, 15);
    // Start from the top rung: the reports right after the session's first run switch can cost a step (they read
    // ~30 % loss the loopback does not have; not explained yet), and it climbs back on its own.
    await waitFor(async () => metric(await metrics(), 'mediaplane_capture_adaptive_step', dev) === 0, { timeoutMs: 30_000, what: 'the top step' });
    const stats = await waitFor(
      async () => {
        const s = await viewer.stats(id);
        return s && s.frameHeight === 640 ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the viewer at the full size' },
    );
    // Publish runs restarted for this device, for any reason (an adaptive step that restarts the run counts as 'cycled').
    const restarts = (text: string) => metricTotal(text, 'mediaplane_capture_restarts_total', { device: androidId });
    const restartsBefore = restarts(await metrics());
    const screenrecordsBefore = adb.screenrecordRuns(serial).length;

    proxy.setUpstreamLoss(0.2);
    try {
      await waitFor(async () => metric(await metrics(), 'mediaplane_capture_adaptive_step', dev) >= 1, {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'the Android capture a step down',
      });
    } finally {
      proxy.setUpstreamLoss(0);
    }
    // The viewer follows to the lower rung's size (screenrecord's new SPS) and keeps decoding.
    const lower = await waitFor(
      async () => {
        const s = await viewer.stats(id);
        return s && s.frameHeight < 640 && s.framesDecoded > stats.framesDecoded ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the viewer at the lower size' },
    );
    await waitFor(async () => ((await viewer.stats(id))?.framesDecoded ?? 0) > lower.framesDecoded + 15, { timeoutMs: 20_000, what: 'decoding on' });
    // Only the device changed: a new screenrecord run at the lower size, the same publish run.
    const changes = agentLog()
      .split('\n')
      .filter((line) => line.includes(`"deviceId":"${androidId}"`) && line.includes('adaptive quality change'));
    expect(changes.length).toBeGreaterThanOrEqual(1);
    for (const line of changes) expect(line).toContain('"seamless":true');
    const runs = adb.screenrecordRuns(serial).slice(screenrecordsBefore);
    expect(runs.some((r) => r.argv.join(' ').includes(`--size ${lower.frameWidth}x${lower.frameHeight}`))).toBe(true);
    const restartsAfter = restarts(await metrics());
    expect(restartsAfter).toBe(restartsBefore);
    process.stderr.write(
      `adaptive (android passthrough): 360x640 → ${lower.frameWidth}x${lower.frameHeight} in the viewer, ${changes.length} seamless change(s), publish-run restarts ${restartsBefore} → ${restartsAfter}\n`,
    );
    await viewer.remove(id);
    await viewer.page.close();
    await cp.api('DELETE', `/api/v1/devices/${androidId}/capture`);
  }, 120_000);
});
