import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { streamContracts } from '@mediaplane/contracts';
import { createLogger, createMetricsRegistry, getTracer, startTracing, stopTracing } from '@mediaplane/observability';
import { sleep, uniqueNamespace, waitFor } from '@mediaplane/testing';
import { Bus } from './bus';
import { eventsStreamName } from './jetstream-setup';
import type { WorkQueue } from './work-queue';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';

function started(streamId: string, sessionId = 'sess') {
  return { streamId, sessionId, protocol: 'rtmp' as const, node: 'n1', startedAt: new Date().toISOString(), media: {} };
}

describe('Bus.workQueue on a real JetStream', () => {
  const exporter = new InMemorySpanExporter();
  const namespace = uniqueNamespace();
  const logger = createLogger({ app: 'test', level: 'silent' });
  const metrics = createMetricsRegistry('test', 'test-1');
  const queues: WorkQueue[] = [];
  let producer: Bus;
  let worker: Bus;

  beforeAll(async () => {
    startTracing({ serviceName: 'work-queue-test', exporter });
    producer = await Bus.connect(NATS_URL, { namespace, queueGroup: 'ingest', logger });
    worker = await Bus.connect(NATS_URL, { namespace, queueGroup: 'transcode', logger, metrics });
    await producer.ensureJetStream();
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
  });

  afterAll(async () => {
    const jsm = await producer.nc.jetstreamManager();
    await jsm.streams.delete(eventsStreamName(namespace)).catch(() => undefined);
    await producer.close();
    await worker.close();
    await stopTracing();
  });

  it('hands typed payloads to at most `concurrency` handlers at once', async () => {
    let running = 0;
    let peak = 0;
    const done: string[] = [];
    queues.push(
      await worker.workQueue(streamContracts.streamStarted, { durable: 'wq-concurrency', ackWaitMs: 10_000, concurrency: 2 }, async (m) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(300);
        running--;
        done.push(m.payload.streamId);
      }),
    );
    for (let i = 0; i < 5; i++) await producer.publish(streamContracts.streamStarted, { streamId: `c${i}` }, started(`c${i}`));
    await waitFor(() => done.length === 5, { what: 'five jobs', timeoutMs: 15_000 });
    expect(peak).toBe(2);
    expect([...done].sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });

  it('redelivers a nak-ed message after its delay, counting the redelivery', async () => {
    const seen: Array<{ redeliveryCount: number; at: number }> = [];
    queues.push(
      await worker.workQueue(streamContracts.streamStarted, { durable: 'wq-nak', deliverNew: true, ackWaitMs: 10_000 }, (m) => {
        seen.push({ redeliveryCount: m.redeliveryCount, at: Date.now() });
        if (m.redeliveryCount === 0) m.nak(700);
      }),
    );
    await producer.publish(streamContracts.streamStarted, { streamId: 'n1' }, started('n1'));
    await waitFor(() => seen.length >= 2, { what: 'redelivery', timeoutMs: 10_000 });
    expect(seen.map((s) => s.redeliveryCount)).toEqual([0, 1]);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(600);
    await sleep(1500);
    expect(seen).toHaveLength(2); // returned without settling after nak: acked
  });

  it('keeps a long job with working() past its ack wait, and gives a silent one to another consumer', async () => {
    const calls: number[] = [];
    queues.push(
      await worker.workQueue(streamContracts.streamStarted, { durable: 'wq-keepalive', deliverNew: true, ackWaitMs: 1000, keepAliveMs: 300 }, async (m) => {
        calls.push(m.deliveryCount);
        await sleep(2500);
      }),
    );
    await producer.publish(streamContracts.streamStarted, { streamId: 'k1' }, started('k1'));
    await waitFor(() => calls.length >= 1, { what: 'first delivery' });
    await sleep(3000);
    expect(calls).toEqual([1]);

    const silent: number[] = [];
    queues.push(
      await worker.workQueue(streamContracts.streamStarted, { durable: 'wq-silent', deliverNew: true, ackWaitMs: 1000, concurrency: 2 }, async (m) => {
        silent.push(m.deliveryCount);
        if (m.deliveryCount === 1) m.leave(); // as a hung worker would: no ack, no working()
      }),
    );
    await producer.publish(streamContracts.streamStarted, { streamId: 's1' }, started('s1'));
    await waitFor(() => silent.length >= 2, { what: 'redelivery after the ack wait', timeoutMs: 10_000 });
    expect(silent.slice(0, 2)).toEqual([1, 2]);
  });

  it('terminates and counts a payload that violates its contract, and goes on with the next', async () => {
    const seen: string[] = [];
    queues.push(
      await worker.workQueue(streamContracts.streamStarted, { durable: 'wq-invalid', deliverNew: true, ackWaitMs: 1000 }, (m) => {
        seen.push(m.payload.streamId);
      }),
    );
    await producer.nc.jetstream().publish(`${namespace}.ingest.v1.stream.bad.started`, Buffer.from('{"streamId":"bad","protocol":"carrier-pigeon"}'));
    await producer.publish(streamContracts.streamStarted, { streamId: 'good' }, started('good'));
    await waitFor(() => seen.includes('good'), { what: 'the valid message' });
    await sleep(2000); // past the ack wait: a terminated message does not come back
    expect(seen.filter((s) => s === 'bad')).toEqual([]);
    expect(await metrics.metrics()).toMatch(/mediaplane_bus_invalid_payloads_total\{subject="ingest.v1.stream.\{streamId\}.started"[^}]*\} 1/);
  });

  it('runs the handler inside the trace of the publisher', async () => {
    exporter.reset();
    let handlerTraceId: string | undefined;
    queues.push(
      await worker.workQueue(streamContracts.streamStarted, { durable: 'wq-trace', deliverNew: true, ackWaitMs: 5000 }, () => {
        handlerTraceId = trace.getSpan(context.active())?.spanContext().traceId;
      }),
    );
    const root = getTracer('test').startSpan('publisher');
    await context.with(trace.setSpan(context.active(), root), () => producer.publish(streamContracts.streamStarted, { streamId: 't1' }, started('t1')));
    root.end();
    await waitFor(() => handlerTraceId, { what: 'handler' });
    expect(handlerTraceId).toBe(root.spanContext().traceId);
    const consumer = await waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER), { what: 'consumer span' });
    expect(consumer.name).toBe('process ingest.v1.stream.{streamId}.started');
    expect(consumer.spanContext().traceId).toBe(root.spanContext().traceId);
  });
});
