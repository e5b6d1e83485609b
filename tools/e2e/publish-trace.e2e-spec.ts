import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OtlpCollector,
  adminApi,
  ffmpegPublish,
  freePort,
  killAllChildren,
  platformEnv,
  startApp,
  waitFor,
  type AppProcess,
  type CollectedSpan,
  type Publisher,
} from '@mediaplane/testing';

jest.setTimeout(180_000);

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/**
 * Traces across the real processes, collected over OTLP from the spawned
 * control plane, ingest and transcode worker. The publish of a stream is one
 * trace: ingest's authorization, the control plane answering it, ingest's
 * `stream.started`, and the transcode job that consumes it. The HTTP request
 * that created the stream is a trace of its own, linked from the publish: the
 * publisher connects later (minutes or days), over RTMP, which carries no
 * trace context, and one trace spanning a stream's whole life would hold every
 * publish of it.
 */
describe('one trace from publish authorization to the transcode job, linked to the stream-creation request (real processes, OTLP)', () => {
  const platform = platformEnv();
  const work = mkdtempSync(join(tmpdir(), 'mp-trace-'));
  let collector: OtlpCollector;
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let worker: AppProcess;
  let publisher: Publisher | undefined;
  let rtmpPort: number;

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    const env = { ...platform.env, ...collector.env };
    rtmpPort = await freePort();
    controlPlane = await startApp('control-plane', { httpPort: await freePort(), env });
    [ingest, worker] = await Promise.all([
      freePort().then((port) => startApp('ingest', { httpPort: port, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort) } })),
      freePort().then((port) => startApp('transcode', { httpPort: port, env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_MAX_JOBS: '1' } })),
    ]);
  });

  afterAll(async () => {
    await publisher?.stop();
    await Promise.all([worker?.stop(), ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
    await collector?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('links stream creation ⇠ ingest authorization → control-plane handler → stream.started → transcode job start', async () => {
    const api = adminApi(controlPlane.httpUrl, platform.adminToken);
    const stream = await api<{ id: string; streamKey: string }>('POST', '/streams', { name: 'traced', record: false });
    publisher = ffmpegPublish({
      url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`,
      width: 640,
      height: 360,
      fps: 25,
      gopFrames: 50,
      videoBitrateKbps: 800,
    });

    const jobStart = await waitFor(() => collector.spans.find((s) => s.service === 'transcode' && s.name === 'transcode job start'), {
      timeoutMs: 60_000,
      what: "the transcode job's span",
    });
    // The consumer span lasts as long as the job (its handler follows the job to the end): end the stream.
    await publisher.stop();
    const trace = (): CollectedSpan[] => collector.spans.filter((s) => s.traceId === jobStart.traceId);
    const byId = (id: string | undefined) => trace().find((s) => s.spanId === id);
    // Walk up from the job: each span's parent is the previous step, in another process where the arrow crosses one.
    const consumer = await waitFor(() => byId(jobStart.parentSpanId), { timeoutMs: 30_000, what: 'the work-queue consumer span (after the stream ended)' });
    expect(consumer).toMatchObject({ service: 'transcode', kind: CONSUMER, name: 'process ingest.v1.stream.{streamId}.started' });
    const producer = await waitFor(() => byId(consumer.parentSpanId), { what: "ingest's stream.started span" });
    expect(producer).toMatchObject({ service: 'ingest', kind: PRODUCER, name: 'publish ingest.v1.stream.{streamId}.started' });
    const authorize = await waitFor(() => byId(producer.parentSpanId), { what: "ingest's authorization span" });
    expect(authorize).toMatchObject({ service: 'ingest', name: 'publish authorize', attributes: { 'mediaplane.stream_id': stream.id } });
    expect(authorize.parentSpanId).toBeUndefined(); // the root: RTMP brings no trace context

    // The authorization span also parents the cluster-wide failed-attempt throttle's Redis calls, so pick the NATS request by name.
    const request = await waitFor(
      () => trace().find((s) => s.kind === CLIENT && s.parentSpanId === authorize.spanId && s.name === 'request ingest.v1.publish.authorize'),
      { what: 'the authorization request' },
    );
    expect(request).toMatchObject({ service: 'ingest' });
    const handled = await waitFor(() => trace().find((s) => s.parentSpanId === request.spanId), { what: "the control plane's handler span" });
    expect(handled).toMatchObject({ service: 'control-plane', kind: CONSUMER, name: 'process ingest.v1.publish.authorize' });

    // The create request is a trace of its own (see the describe block for why); the publish links back
    // to it from the control plane's authorization handler, which is where the stream is looked up.
    const created = collector.spans.find((s) => s.service === 'control-plane' && s.kind === SERVER && /POST/.test(s.name));
    expect(created).toBeDefined();
    expect(created?.traceId).not.toBe(jobStart.traceId);
    const link = handled.links.find((l) => l.attributes['mediaplane.link'] === 'stream created');
    expect(link?.traceId).toBe(created?.traceId);
    expect(collector.spans.some((s) => s.traceId === created?.traceId && s.spanId === link?.spanId)).toBe(true);
  });
});
