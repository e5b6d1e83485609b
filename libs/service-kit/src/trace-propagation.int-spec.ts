import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MessagePattern } from '@nestjs/microservices';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { streamContracts } from '@mediaplane/contracts';
import { Bus, BusTransportStrategy } from '@mediaplane/messaging';
import { createLogger, startTracing, stopTracing } from '@mediaplane/observability';
import { WORKSPACE_ROOT, spawnTracked, stopProcess, uniqueNamespace, waitFor } from '@mediaplane/testing';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const FRONT_SCRIPT = join(WORKSPACE_ROOT, 'libs/service-kit/test/traced-front.cjs');

/** A span as an OTLP/JSON export carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
const OTLP_SERVER = 2;
const OTLP_CLIENT = 3;

/** Collects what an OTLP/HTTP (JSON) exporter sends, like a collector would. */
function startOtlpReceiver(spans: OtlpSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// The HTTP front runs as a real Node process (instrumented by the SDK exactly as an app is) and exports
// over OTLP; the NATS handler runs here with an in-memory exporter. Needs `npm run build` (dist/).
describe('trace context across HTTP → NATS → another service', () => {
  const exporter = new InMemorySpanExporter();
  const namespace = uniqueNamespace();
  const logger = createLogger({ app: 'test', level: 'silent' });
  const frontSpans: OtlpSpan[] = [];
  const frontLog: string[] = [];
  let receiver: Server;
  let front: ChildProcess;
  let frontUrl: string;
  let back: NestExpressApplication;
  let backBus: Bus;

  beforeAll(async () => {
    startTracing({ serviceName: 'trace-test', exporter });
    receiver = await startOtlpReceiver(frontSpans);
    backBus = await Bus.connect(NATS_URL, { namespace, queueGroup: 'control-plane', logger });

    @Controller()
    class BackController {
      @MessagePattern(streamContracts.publishAuthorize.subject)
      authorize(): unknown {
        return { ok: false, reason: 'unknown_key', message: 'nope' };
      }
    }
    @Module({ controllers: [BackController] })
    class BackModule {}

    back = await NestFactory.create<NestExpressApplication>(BackModule, { logger: false });
    back.connectMicroservice({ strategy: new BusTransportStrategy(backBus) });
    await back.startAllMicroservices();
    await back.init();

    const address = receiver.address();
    const receiverPort = typeof address === 'object' && address ? address.port : 0;
    front = spawnTracked(process.execPath, ['--require', join(WORKSPACE_ROOT, 'tools/runtime/register-paths.cjs'), FRONT_SCRIPT], {
      cwd: WORKSPACE_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        MEDIAPLANE_NATS_URL: NATS_URL,
        MEDIAPLANE_NAMESPACE: namespace,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let pending = '';
    front.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      frontLog.push(...lines.filter((l) => l.trim() !== ''));
    });
    const port = await waitFor(() => frontLog.map((l) => JSON.parse(l) as { listening?: number }).find((l) => l.listening)?.listening, {
      what: 'the traced front to listen',
    });
    frontUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (front) await stopProcess(front, 5000);
    await back?.close();
    await backBus?.close();
    receiver?.close();
    await stopTracing();
  });

  const parentTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('puts the HTTP request, the NATS request and the remote handler in one trace, each span a descendant of the previous', async () => {
    const res = await fetch(`${frontUrl}/publish-check?token=sk_planted_secret&page=2`, {
      headers: { traceparent: `00-${parentTraceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: false, reason: 'unknown_key' });

    const consumer = await waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER), { what: 'the handler span' });
    const spans = await waitFor(
      () => (frontSpans.some((s) => s.kind === OTLP_SERVER) && frontSpans.some((s) => s.kind === OTLP_CLIENT) ? frontSpans : undefined),
      { what: 'the front spans over OTLP' },
    );
    const server = spans.find((s) => s.kind === OTLP_SERVER) as OtlpSpan;
    const client = spans.find((s) => s.kind === OTLP_CLIENT && s.name.includes('publish.authorize')) as OtlpSpan;
    for (const span of [server, client]) expect(span.traceId).toBe(parentTraceId);
    expect((consumer as ReadableSpan).spanContext().traceId).toBe(parentTraceId);
    // http instrumentation: SERVER continues the caller's traceparent; express/Nest spans sit between it and the Bus CLIENT span.
    expect(server.parentSpanId).toBe('00f067aa0ba902b7');
    const ancestors = (span: OtlpSpan): string[] => {
      const parent = spans.find((s) => s.spanId === span.parentSpanId);
      return parent ? [parent.spanId, ...ancestors(parent)] : [];
    };
    expect(ancestors(client)).toContain(server.spanId);
    expect(consumer.parentSpanContext?.spanId).toBe(client.spanId);
    expect(consumer.name).toBe('process ingest.v1.publish.authorize');
    // Tokens in the query string never reach a span; the rest of the query does.
    expect(JSON.stringify(spans)).not.toContain('sk_planted_secret');
    expect(JSON.stringify(server)).toContain('page=2');
  });

  // Reads the lines the front wrote while serving the request of the test above.
  it('writes the trace and span ids into every log line written inside a span, and none outside', async () => {
    const lines = frontLog.map((l) => JSON.parse(l) as { msg?: string; trace_id?: string; span_id?: string });
    const inside = lines.filter((l) => l.msg === 'asking for a publish decision' || l.msg === 'publish decision received');
    expect(inside).toHaveLength(2);
    const frontSpanIds = new Set(frontSpans.filter((s) => s.traceId === parentTraceId).map((s) => s.spanId));
    for (const line of inside) {
      expect(line.trace_id).toBe(parentTraceId);
      expect(frontSpanIds.has(line.span_id ?? '')).toBe(true);
    }
    const outside = lines.find((l) => l.msg === 'front listening');
    expect(outside).toBeDefined();
    expect(outside?.trace_id).toBeUndefined();
  });

  it('leaves a request served below Express unbound, where one the instrumentation leaves untraced is still bound to a context', async () => {
    expect(await (await fetch(`${frontUrl}/healthz`)).json()).toEqual({ bound: true });
    expect(await (await fetch(`${frontUrl}/live/x.flv`)).json()).toEqual({ bound: false });
  });
});
