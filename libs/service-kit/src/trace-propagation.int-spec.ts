import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MessagePattern } from '@nestjs/microservices';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { streamContracts } from '@mediaplane/contracts';
import { Bus, BusTransportStrategy } from '@mediaplane/messaging';
import { createLogger, startTracing, stopTracing } from '@mediaplane/observability';
import { freePort, uniqueNamespace, waitFor } from '@mediaplane/testing';
import { httpTracingMiddleware } from './http-tracing.middleware';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('trace context across HTTP → NATS → another service', () => {
  const exporter = new InMemorySpanExporter();
  const namespace = uniqueNamespace();
  const logger = createLogger({ app: 'test', level: 'silent' });
  let front: NestExpressApplication;
  let back: NestExpressApplication;
  let frontBus: Bus;
  let backBus: Bus;

  beforeAll(async () => {
    startTracing({ serviceName: 'trace-test', exporter });
    frontBus = await Bus.connect(NATS_URL, { namespace, queueGroup: 'ingest', logger });
    backBus = await Bus.connect(NATS_URL, { namespace, queueGroup: 'control-plane', logger });

    @Controller()
    class FrontController {
      @Get('publish-check')
      async check(): Promise<unknown> {
        return frontBus.request(streamContracts.publishAuthorize, {}, { protocol: 'rtmp', keyHash: 'd'.repeat(64), remoteAddress: '127.0.0.1', node: 'front' });
      }
    }
    @Module({ controllers: [FrontController] })
    class FrontModule {}

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

    front = await NestFactory.create<NestExpressApplication>(FrontModule, { logger: false });
    front.use(httpTracingMiddleware);
    await front.listen(await freePort(), '127.0.0.1');
  });

  afterAll(async () => {
    await front.close();
    await back.close();
    await frontBus.close();
    await backBus.close();
    await stopTracing();
  });

  it('puts the HTTP request, the NATS request and the remote handler in one trace, each span the child of the previous', async () => {
    const parentTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${await front.getUrl()}/publish-check`, { headers: { traceparent: `00-${parentTraceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: false, reason: 'unknown_key' });

    const spans = await waitFor(
      () => {
        const all = exporter.getFinishedSpans();
        return all.some((s) => s.kind === SpanKind.CONSUMER) && all.some((s) => s.kind === SpanKind.SERVER) ? all : undefined;
      },
      { what: 'spans' },
    );
    const server = spans.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan;
    const client = spans.find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan;
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER) as ReadableSpan;
    for (const span of [server, client, consumer]) expect(span.spanContext().traceId).toBe(parentTraceId);
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(client.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(consumer.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(consumer.name).toBe('process ingest.v1.publish.authorize');
  });
});
