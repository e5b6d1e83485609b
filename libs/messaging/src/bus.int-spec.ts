import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { Writable } from 'node:stream';
import { clusterContracts, streamContracts } from '@mediaplane/contracts';
import { createLogger, createMetricsRegistry } from '@mediaplane/observability';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { Bus } from './bus';
import { BusRequestError } from './bus-errors';
import { eventsStreamName } from './jetstream-setup';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('Bus on a real NATS server', () => {
  const namespace = uniqueNamespace();
  const lines: string[] = [];
  const logger = createLogger({
    app: 'test',
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  });
  const metrics = createMetricsRegistry('test', 'test-1');
  let a: Bus;
  let b: Bus;

  beforeAll(async () => {
    a = await Bus.connect(NATS_URL, { namespace, queueGroup: 'control-plane', logger, metrics });
    b = await Bus.connect(NATS_URL, { namespace, queueGroup: 'ingest', logger, metrics });
    await a.ensureJetStream();
  });

  afterAll(async () => {
    const jsm = await a.nc.jetstreamManager();
    await jsm.streams.delete(eventsStreamName(namespace)).catch(() => undefined);
    await a.close();
    await b.close();
  });

  it('answers a request with a validated response', async () => {
    a.respond(streamContracts.publishAuthorize, () => ({ ok: false as const, reason: 'unknown_key' as const, message: 'no such key' }));
    // The responder is on another connection: make sure the server has its subscription before asking.
    await a.nc.flush();
    const reply = await b.request(streamContracts.publishAuthorize, {}, { protocol: 'rtmp', keyHash: 'a'.repeat(64), remoteAddress: '127.0.0.1', node: 'n1' });
    expect(reply).toEqual({ ok: false, reason: 'unknown_key', message: 'no such key' });
  });

  it('refuses to send a payload that violates the contract, naming the field', async () => {
    await expect(b.request(streamContracts.publishAuthorize, {}, { protocol: 'rtmp', keyHash: 'not-hex', remoteAddress: '1', node: 'n' })).rejects.toThrow(
      /keyHash/,
    );
  });

  describe('when a raw client sends a malformed payload', () => {
    it('rejects it with an error reply, counts it, and keeps serving', async () => {
      const raw = await connect({ servers: NATS_URL });
      const reply = await raw.request(`${namespace}.ingest.v1.publish.authorize`, Buffer.from('{"protocol":"carrier-pigeon"}'), { timeout: 2000 });
      expect(reply.headers?.get('Mediaplane-Error')).toMatch(/protocol/);
      await raw.close();
      const text = await metrics.metrics();
      expect(text).toMatch(/mediaplane_bus_invalid_payloads_total\{subject="ingest.v1.publish.authorize"[^}]*\} [1-9]/);
      const again = await b.request(streamContracts.publishAuthorize, {}, { protocol: 'srt', keyHash: 'b'.repeat(64), remoteAddress: '::1', node: 'n1' });
      expect(again.ok).toBe(false);
    });
  });

  it('fails a request nobody answers with a clear error instead of hanging', async () => {
    const lonely = await Bus.connect(NATS_URL, { namespace: uniqueNamespace(), queueGroup: 'x', logger });
    const error = await lonely
      .request(streamContracts.publishAuthorize, {}, { protocol: 'rtmp', keyHash: 'c'.repeat(64), remoteAddress: '1', node: 'n' }, { timeoutMs: 500 })
      .catch((e: unknown) => e);
    await lonely.close();
    expect(error).toBeInstanceOf(BusRequestError);
  });

  it('keeps a subscription alive when its handler throws', async () => {
    const seen: string[] = [];
    b.subscribe(clusterContracts.nodeStopped, (p) => {
      seen.push(p.instanceId);
      if (p.instanceId === 'boom') throw new Error('handler bug');
    });
    // The subscription is on another connection: make sure the server has it before publishing.
    await b.nc.flush();
    await a.publish(clusterContracts.nodeStopped, { instanceId: 'boom' }, { app: 'edge', instanceId: 'boom', at: new Date().toISOString() });
    await a.publish(clusterContracts.nodeStopped, { instanceId: 'fine' }, { app: 'edge', instanceId: 'fine', at: new Date().toISOString() });
    await waitFor(() => seen.includes('fine'), { what: 'second event' });
    expect(lines.join('')).toMatch(/message handler failed/);
  });

  it('stores durable events in JetStream once per message id, for consumers that were not listening', async () => {
    const msgId = randomUUID();
    const event = {
      streamId: 's1',
      sessionId: 'sess1',
      protocol: 'rtmp' as const,
      node: 'n1',
      startedAt: new Date().toISOString(),
      media: {},
    };
    await a.publish(streamContracts.streamStarted, { streamId: 's1' }, event, { msgId });
    await a.publish(streamContracts.streamStarted, { streamId: 's1' }, event, { msgId });
    const received: unknown[] = [];
    await b.workQueue(streamContracts.streamStarted, { durable: 'test-consumer', ackWaitMs: 30_000 }, (m) => {
      received.push(m.payload);
    });
    await waitFor(() => received.length >= 1, { what: 'durable delivery' });
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ streamId: 's1' });
  });

  it('sets the events stream up idempotently', async () => {
    await expect(Promise.all([a.ensureJetStream(), b.ensureJetStream()])).resolves.toEqual([eventsStreamName(namespace), eventsStreamName(namespace)]);
  });
});
