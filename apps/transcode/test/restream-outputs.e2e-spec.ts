import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adminApi,
  ffmpegPublish,
  ffprobe,
  ffprobeFrames,
  freePort,
  freeUdpPort,
  killAllChildren,
  platformEnv,
  sleep,
  spawnTracked,
  startApp,
  startNginxRtmp,
  stopProcess,
  testLogDir,
  waitFor,
  type AppProcess,
  type NginxRtmpServer,
  type Publisher,
} from '@mediaplane/testing';
import type { RestreamOutputList, RestreamOutputView } from '@mediaplane/contracts';
import type { ChildProcess } from 'node:child_process';
import { allCommandLines, ffmpegProcessesUsing, processesExposing, tokensOfStream } from './support/process-table';

jest.setTimeout(300_000);

/** An SRT listener (srt-live-transmit) that counts the bytes it receives and keeps the first ones for ffprobe. */
function startSrtReceiver(port: number): { process: ChildProcess; bytes: () => number; head: () => Buffer } {
  const child = spawnTracked('srt-live-transmit', ['-q', `srt://:${port}?mode=listener&adapter=127.0.0.1`, 'file://con'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let total = 0;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (keptBytes < 3_000_000) {
      kept.push(chunk);
      keptBytes += chunk.length;
    }
  });
  return { process: child, bytes: () => total, head: () => Buffer.concat(kept) };
}

/**
 * Restream through the public ports: a stream published over RTMP to
 * ingest is pushed by a transcode worker to two local receivers — Debian's
 * nginx-rtmp (RTMP) and an SRT listener (srt-live-transmit, MPEG-TS). The
 * nginx receiver is killed and restarted: its output fails, reconnects and
 * is live again, while the SRT output flows the whole time without a
 * restart. The targets' keys never reach the apps' logs or metrics.
 */
describe('restream outputs (control plane, ingest, transcode; nginx-rtmp and an SRT listener as targets)', () => {
  const platform = platformEnv({ MEDIAPLANE_RESTREAM_ALLOWLIST: '127.0.0.1' });
  const work = mkdtempSync(join(tmpdir(), 'mp-restream-'));
  const rtmpKey = `rk${randomBytes(12).toString('hex')}`;
  const srtKey = `sk${randomBytes(12).toString('hex')}`;
  const apps: AppProcess[] = [];
  let controlPlane: AppProcess;
  let worker: AppProcess;
  let rtmpPort: number;
  let nginx: NginxRtmpServer | undefined;
  let srt: ReturnType<typeof startSrtReceiver>;
  let srtPort: number;
  let publisher: Publisher | undefined;

  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);
  const raw = (method: string, path: string, body?: unknown) =>
    fetch(`${controlPlane.httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    rtmpPort = await freePort();
    srtPort = await freeUdpPort();
    const env = {
      ...platform.env,
      TRANSCODE_WORK_DIR: join(work, 'transcode'),
      TRANSCODE_MAX_JOBS: '1',
      TRANSCODE_RESTREAM_BACKOFF_MAX_MS: '2000',
      TRANSCODE_RESTREAM_REPORT_MS: '1000',
    };
    [controlPlane, nginx] = await Promise.all([
      freePort().then((port) => startApp('control-plane', { httpPort: port, env })),
      startNginxRtmp({ prefix: join(work, 'nginx') }),
    ]);
    apps.push(controlPlane);
    const [ingest, transcode] = await Promise.all([
      freePort().then(async (port) =>
        startApp('ingest', {
          httpPort: port,
          env: { ...env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_RTMPS_PORT: String(await freePort()), INGEST_SRT_PORT: String(await freeUdpPort()) },
        }),
      ),
      freePort().then((port) => startApp('transcode', { httpPort: port, env })),
    ]);
    worker = transcode;
    apps.push(ingest, transcode);
    srt = startSrtReceiver(srtPort);
  });

  afterAll(async () => {
    await publisher?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await nginx?.stop();
    if (srt) await stopProcess(srt.process, 2000);
    await killAllChildren();
    expect(ffmpegProcessesUsing(rtmpKey)).toEqual([]);
    rmSync(work, { recursive: true, force: true });
  });

  it('pushes to both, recovers the RTMP output after its receiver restarts while the SRT output keeps flowing, and never logs a target key', async () => {
    // A small source and a single low rung: the ladder runs beside the restream on a shared CI machine.
    const stream = await api<{ id: string; streamKey: string }>('POST', '/streams', {
      name: 'restream',
      ladder: { rungs: [{ name: 'low', height: 144, videoBitrateKbps: 150 }], source: false, preset: 'ultrafast' },
    });
    const outputs = `/streams/${stream.id}/outputs`;

    // Validation and the outbound policy.
    const bad = await raw('POST', outputs, { url: 'http://127.0.0.1/live/x' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/url.*rtmp, rtmps or srt/);
    const privateTarget = await raw('POST', outputs, { url: 'rtmp://10.1.2.3/live/key' });
    expect(privateTarget.status).toBe(400);
    expect(((await privateTarget.json()) as { message: string }).message).toMatch(/MEDIAPLANE_RESTREAM_ALLOWLIST/);

    const rtmpOut = await api<RestreamOutputView>('POST', outputs, { url: `rtmp://127.0.0.1:${nginx?.port}/live/${rtmpKey}`, name: 'nginx' });
    const srtOut = await api<RestreamOutputView>('POST', outputs, { url: `srt://127.0.0.1:${srtPort}?streamid=${srtKey}`, name: 'srt listener' });
    expect(rtmpOut.target.redacted).toBe(`rtmp://127.0.0.1:${nginx?.port}/live/••••`);
    expect(srtOut.target.redacted).toBe(`srt://127.0.0.1:${srtPort}?••••`);
    expect(JSON.stringify(await api('GET', outputs))).not.toMatch(new RegExp(`${rtmpKey}|${srtKey}`));
    expect(rtmpOut.state).toBe('idle');

    publisher = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, width: 320, height: 240, fps: 25, videoBitrateKbps: 400 });
    const byId = async () => {
      const list = await api<RestreamOutputList>('GET', outputs);
      return { rtmp: list.outputs.find((o) => o.id === rtmpOut.id) as RestreamOutputView, srt: list.outputs.find((o) => o.id === srtOut.id) as RestreamOutputView };
    };
    await waitFor(
      async () => {
        const o = await byId();
        return o.rtmp.state === 'live' && o.srt.state === 'live' && o.rtmp.bytesSent > 50_000 && o.srt.bytesSent > 50_000;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'both outputs live with bytes sent' },
    );

    // Issue 14 item 7: the outputs' FFmpegs read the pull on stdin; no pull ticket on any command line or in any environment.
    const restreamers = allCommandLines().filter(({ args }) => /ffmpeg/.test(args) && (args.includes(rtmpKey) || args.includes(srtKey)));
    expect(restreamers).toHaveLength(2);
    for (const { args } of restreamers) expect(args).toContain('-f flv -i pipe:0');
    expect(processesExposing(tokensOfStream(stream.id))).toEqual([]);

    // Both receivers really get media.
    const probed = await ffprobe(nginx?.url(rtmpKey) ?? '');
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    await waitFor(() => srt.bytes() > 300_000, { timeoutMs: 30_000, what: 'SRT receiver bytes' });
    const captured = join(work, 'srt-head.ts');
    writeFileSync(captured, srt.head());
    const frames = await ffprobeFrames(captured, ['-select_streams', 'v:0']);
    expect(frames.length).toBeGreaterThan(20);

    // Kill the RTMP receiver; watch both outputs through the API the whole time.
    const srtBefore = (await byId()).srt;
    const samples: Array<{ rtmp: RestreamOutputView; srt: RestreamOutputView; srtReceived: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ ...(await byId()), srtReceived: srt.bytes() });
        await sleep(400);
      }
    })();
    const port = nginx?.port as number;
    await nginx?.stop();
    nginx = undefined;
    await waitFor(() => samples.some((s) => s.rtmp.state === 'failed'), { timeoutMs: 30_000, intervalMs: 200, what: 'the RTMP output to fail' });
    const failed = samples.find((s) => s.rtmp.state === 'failed')?.rtmp;
    expect(failed?.lastError).toBeTruthy();
    expect(failed?.lastError).not.toContain(rtmpKey);
    await sleep(3000); // a couple of failed reconnects against the dead port
    nginx = await startNginxRtmp({ prefix: join(work, 'nginx'), port });
    await waitFor(
      async () => {
        const o = await byId();
        return o.rtmp.state === 'live' && o.rtmp.reconnects >= 1 ? o : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: 'the RTMP output to be live again' },
    );
    await sleep(2000);
    sampling = false;
    await sampler;

    const afterRecovery = await ffprobe(nginx.url(rtmpKey));
    expect(afterRecovery.streams.some((s) => s.codec_name === 'h264')).toBe(true);

    // The RTMP output went through failed/connecting; the SRT output stayed live, never restarted, and its bytes kept growing.
    expect(samples.some((s) => s.rtmp.state === 'failed' || s.rtmp.state === 'connecting')).toBe(true);
    expect(samples.length).toBeGreaterThan(10);
    for (const s of samples) {
      expect(s.srt.state).toBe('live');
      expect(s.srt.reconnects).toBe(srtBefore.reconnects);
    }
    const srtSent = samples.map((s) => s.srt.bytesSent);
    const srtReceived = samples.map((s) => s.srtReceived);
    const third = Math.floor(samples.length / 3);
    // Growth across the outage, in thirds (reports come every second; neighbouring samples may repeat one).
    expect(srtSent[third]).toBeGreaterThan(srtSent[0] as number);
    expect(srtSent[2 * third]).toBeGreaterThan(srtSent[third] as number);
    expect(srtSent.at(-1)).toBeGreaterThan(srtSent[2 * third] as number);
    expect(srtReceived[2 * third]).toBeGreaterThan(srtReceived[third] as number);
    expect(srtReceived.at(-1)).toBeGreaterThan(srtReceived[2 * third] as number);

    // Metrics: state, bytes and restarts per output, labelled by ids only.
    const metrics = await (await fetch(`${worker.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`mediaplane_restream_output_restarts_total\\{stream="${stream.id}",output="${rtmpOut.id}",reason="crashed"[^}]*\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`mediaplane_restream_output_bytes_total\\{stream="${stream.id}",output="${srtOut.id}"[^}]*\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`mediaplane_restream_output_live\\{stream="${stream.id}",output="${srtOut.id}"[^}]*\\} 1`));

    // The publisher leaves: the outputs go idle.
    await publisher.stop();
    publisher = undefined;
    await waitFor(
      async () => {
        const o = await byId();
        return o.rtmp.state === 'idle' && o.srt.state === 'idle';
      },
      { timeoutMs: 30_000, what: 'outputs idle after the stream ended' },
    );

    // Removing an output.
    expect((await raw('DELETE', `${outputs}/${rtmpOut.id}`)).status).toBe(204);
    expect((await raw('DELETE', `${outputs}/${rtmpOut.id}`)).status).toBe(404);
    expect((await api<RestreamOutputList>('GET', outputs)).outputs.map((o) => o.id)).toEqual([srtOut.id]);

    // Secret leak: neither key appears in any log line or in /metrics of any app.
    const allMetrics = await Promise.all(apps.map(async (a) => (await fetch(`${a.httpUrl}/metrics`)).text()));
    await Promise.all(apps.map((a) => a.stop()));
    apps.length = 0;
    const logs = readdirSync(testLogDir())
      .filter((f) => f.includes(platform.namespace))
      .map((f) => readFileSync(join(testLogDir(), f), 'utf8'));
    const text = [...logs, ...allMetrics].join('\n');
    expect(text).toContain('restream output ffmpeg exited'); // the failure was logged: the search below is not vacuous
    expect(text).toContain('/live/••••');
    expect(text).not.toContain(rtmpKey);
    expect(text).not.toContain(srtKey);
  });
});
