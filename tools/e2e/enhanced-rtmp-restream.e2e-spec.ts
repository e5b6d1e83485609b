import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RestreamOutputList, RestreamOutputView } from '@mediaplane/contracts';
import { adminApi, freePort, freeUdpPort, killAllChildren, platformEnv, startApp, waitFor, type AppProcess } from '@mediaplane/testing';
import { enhancedRtmpPublish, type EnhancedRtmpPublisher } from '../../apps/ingest/test/enhanced-rtmp-publisher';
import { allCommandLines, processesExposing } from '../../apps/transcode/test/support/process-table';

jest.setTimeout(240_000);

interface CreatedStream {
  id: string;
  streamKey: string;
}
interface StreamView {
  state: { videoCodec: string | null; audioCodec: string | null; width: number | null; height: number | null } | null;
}

/** A small ladder: the worker transcodes every live stream, and this test has five on a shared machine. */
const SMALL_LADDER = { rungs: [{ name: 'low', height: 144, videoBitrateKbps: 150 }], source: false, preset: 'ultrafast' };

/**
 * Restream of Enhanced RTMP sources through the public ports: the platform's
 * own ingest is the target, so what arrives is checked by the same parser
 * that checks any publisher. An E-RTMP HEVC + Opus stream is pushed to an
 * RTMP target by the worker's E-RTMP tag push (FFmpeg 5.1 cannot write these
 * codecs to FLV) and to an SRT target by FFmpeg copying ingest's MPEG-TS
 * pull; both targets go live as HEVC + Opus. An AV1 + Opus stream reaches the RTMP
 * target as such, and its SRT output fails with the reason (MPEG-TS has no AV1
 * in FFmpeg 5.1) instead of pushing something unplayable.
 */
describe("restream of E-RTMP sources ('hvc1' + 'Opus', 'av01') to RTMP and SRT targets (the real platform; its own ingest as the target)", () => {
  const platform = platformEnv({ MEDIAPLANE_RESTREAM_ALLOWLIST: '127.0.0.1' });
  const work = mkdtempSync(join(tmpdir(), 'mp-ertmp-restream-'));
  let controlPlane: AppProcess;
  const apps: AppProcess[] = [];
  let rtmpPort: number;
  let srtPort: number;
  let publisher: EnhancedRtmpPublisher | undefined;
  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);
  const createStream = (name: string) => api<CreatedStream>('POST', '/streams', { name, ladder: SMALL_LADDER });
  const liveCodecs = (id: string, video: string, audio: string) =>
    waitFor(
      async () => {
        const view = await api<StreamView>('GET', `/streams/${id}`);
        return view.state?.videoCodec === video && view.state.audioCodec === audio ? view.state : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `stream ${id} live as ${video} + ${audio}` },
    );
  const outputsOf = async (id: string) => (await api<RestreamOutputList>('GET', `/streams/${id}/outputs`)).outputs;

  beforeAll(async () => {
    rtmpPort = await freePort();
    srtPort = await freeUdpPort();
    const env = {
      ...platform.env,
      TRANSCODE_WORK_DIR: work,
      TRANSCODE_MAX_JOBS: '1',
      TRANSCODE_RESTREAM_BACKOFF_MAX_MS: '2000',
      TRANSCODE_RESTREAM_REPORT_MS: '1000',
    };
    controlPlane = await freePort().then((port) => startApp('control-plane', { httpPort: port, env }));
    apps.push(controlPlane);
    apps.push(
      ...(await Promise.all([
        freePort().then((port) =>
          startApp('ingest', { httpPort: port, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_SRT_PORT: String(srtPort) } }),
        ),
        freePort().then((port) => startApp('transcode', { httpPort: port, env })),
      ])),
    );
  });

  afterAll(async () => {
    await publisher?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  it('pushes HEVC + Opus as E-RTMP tags to the RTMP target and as MPEG-TS to the SRT target; both arrive as HEVC + Opus, and no process shows the RTMP key', async () => {
    const [source, rtmpTarget, srtTarget] = await Promise.all([createStream('e-rtmp source'), createStream('rtmp target'), createStream('srt target')]);
    const rtmpOut = await api<RestreamOutputView>('POST', `/streams/${source.id}/outputs`, {
      url: `rtmp://127.0.0.1:${rtmpPort}/live/${rtmpTarget.streamKey}`,
      name: 'rtmp',
    });
    const srtOut = await api<RestreamOutputView>('POST', `/streams/${source.id}/outputs`, {
      url: `srt://127.0.0.1:${srtPort}?streamid=live/${srtTarget.streamKey}`,
      name: 'srt',
    });

    publisher = await enhancedRtmpPublish({ port: rtmpPort, streamKey: source.streamKey, width: 320, height: 180, fps: 25, gopFrames: 25, audio: 'opus' });
    for (const target of [rtmpTarget, srtTarget]) {
      expect(await liveCodecs(target.id, 'hevc', 'opus')).toMatchObject({ videoCodec: 'hevc', audioCodec: 'opus', width: 320, height: 180 });
    }
    const outputs = await waitFor(
      async () => {
        const list = await outputsOf(source.id);
        return list.every((o) => o.state === 'live' && o.bytesSent > 0) ? list : undefined;
      },
      { timeoutMs: 30_000, what: 'both outputs live with bytes sent' },
    );
    expect(outputs.map((o) => o.id).sort()).toEqual([rtmpOut.id, srtOut.id].sort());
    expect(outputs.every((o) => o.lastError === null)).toBe(true);

    // The tag push runs as its own process, with the target on a pipe rather than its command line.
    expect(allCommandLines().filter((p) => p.args.includes('e-rtmp-push-main.js'))).toHaveLength(1);
    expect(processesExposing(new RegExp(rtmpTarget.streamKey))).toEqual([]);

    await publisher.stop();
    publisher = undefined;
    await waitFor(async () => ((await outputsOf(source.id)).every((o) => o.state === 'idle') ? true : undefined), {
      timeoutMs: 30_000,
      what: 'outputs idle after the source ended',
    });
    await waitFor(async () => (allCommandLines().some((p) => p.args.includes('e-rtmp-push-main.js')) ? undefined : true), {
      timeoutMs: 15_000,
      what: 'the tag push gone',
    });
  });

  it('pushes AV1 + Opus to the RTMP target, and fails the SRT output with the reason instead of pushing what MPEG-TS cannot carry', async () => {
    const [source, rtmpTarget, srtTarget] = await Promise.all([createStream('av1 source'), createStream('av1 rtmp target'), createStream('av1 srt target')]);
    await api<RestreamOutputView>('POST', `/streams/${source.id}/outputs`, { url: `rtmp://127.0.0.1:${rtmpPort}/live/${rtmpTarget.streamKey}`, name: 'rtmp' });
    const srtOut = await api<RestreamOutputView>('POST', `/streams/${source.id}/outputs`, {
      url: `srt://127.0.0.1:${srtPort}?streamid=live/${srtTarget.streamKey}`,
      name: 'srt',
    });

    publisher = await enhancedRtmpPublish({ port: rtmpPort, streamKey: source.streamKey, width: 320, height: 180, fps: 25, video: 'av1', audio: 'opus' });
    expect(await liveCodecs(rtmpTarget.id, 'av1', 'opus')).toMatchObject({ videoCodec: 'av1', audioCodec: 'opus', width: 320, height: 180 });
    const failed = await waitFor(async () => (await outputsOf(source.id)).find((o) => o.id === srtOut.id && o.state === 'failed' && o.lastError), {
      timeoutMs: 30_000,
      what: 'the SRT output failed with a reason',
    });
    expect(failed.lastError).toMatch(/AV1 video cannot be carried in MPEG-TS to an SRT target .*push it over RTMP or RTMPS/);
    expect(failed.bytesSent).toBe(0);
    expect((await api<StreamView>('GET', `/streams/${srtTarget.id}`)).state).toBeNull();
  });
});
