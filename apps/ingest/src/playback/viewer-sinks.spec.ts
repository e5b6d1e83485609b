import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { RtmpServerConnection } from '@mediaplane/media-io';
import { IngestMetrics } from '../observability/ingest-metrics';
import { RtmpPlaySink, SRT_CONGESTION_HOLD_MS, SrtPlaySink } from './viewer-sinks';

describe('RtmpPlaySink', () => {
  const registry = new Registry();
  const metrics = new IngestMetrics(registry);
  afterAll(() => metrics.onModuleDestroy());

  /** A connection whose encoded output is a socket that records each write call and holds them until released. */
  const fakeConnection = () => {
    const calls: Buffer[][] = [];
    let release: (() => void) | undefined;
    const socket = new Writable({
      writev(chunks, done) {
        calls.push(chunks.map((c) => c.chunk as Buffer));
        release = done;
      },
    });
    const events: string[] = [];
    const connection = {
      encodedMediaOutput: () => socket,
      notifyUnpublished: () => events.push('unpublished'),
      close: (reason: string) => events.push(`close:${reason}`),
    };
    return { connection: connection as unknown as RtmpServerConnection, socket, calls, events, release: () => release?.() };
  };

  it('writes a batch of buffers to the connection socket as one writev, and reports what the socket holds', () => {
    const { connection, calls, release } = fakeConnection();
    const sink = new RtmpPlaySink(connection, metrics);
    expect(sink.releasesWrittenBytes).toBe(true);
    sink.write([Buffer.from('ab'), Buffer.from('c')]);
    expect(calls.map((call) => Buffer.concat(call).toString())).toEqual(['abc']);
    sink.write(Buffer.from('de'));
    expect(sink.bufferedBytes).toBe(5); // the first write in flight, the second queued behind it
    release();
    expect(calls.map((call) => Buffer.concat(call).toString())).toEqual(['abc', 'de']);
  });

  it('counts what it writes in the bytes-out counter, under rtmp, once the metrics flush', async () => {
    const bytesOut = async (): Promise<number> => {
      const metric = await registry.getSingleMetric('mediaplane_ingest_bytes_out_total')?.get();
      return metric?.values.find((v) => v.labels['protocol'] === 'rtmp')?.value ?? 0;
    };
    metrics.flush(); // what earlier tests wrote
    const before = await bytesOut();
    const sink = new RtmpPlaySink(fakeConnection().connection, metrics);
    sink.write([Buffer.alloc(3), Buffer.alloc(4)]);
    sink.write(Buffer.alloc(5));
    metrics.flush();
    expect((await bytesOut()) - before).toBe(12);
    metrics.flush();
    expect((await bytesOut()) - before).toBe(12);
  });

  it('writes nothing once the socket ended (the connection is closing), and close tells the player first', () => {
    const { connection, socket, calls, events } = fakeConnection();
    const sink = new RtmpPlaySink(connection, metrics);
    socket.end();
    expect(() => sink.write(Buffer.from('late'))).not.toThrow();
    expect(calls).toEqual([]);
    sink.close('stream ended');
    expect(events).toEqual(['unpublished', 'close:stream ended']);
  });
});

describe('SrtPlaySink', () => {
  const metrics = new IngestMetrics(new Registry());
  afterAll(() => metrics.onModuleDestroy());

  const fakeConnection = (accept: (n: number) => boolean) => {
    const written: Buffer[] = [];
    let calls = 0;
    return {
      written,
      isClosed: false,
      closed: false,
      write(chunk: Buffer) {
        if (!accept(calls++)) return false;
        written.push(chunk);
        return true;
      },
      close() {
        this.closed = true;
      },
    };
  };

  it('writes every buffer of a batch in order while libsrt takes them', () => {
    const connection = fakeConnection(() => true);
    const sink = new SrtPlaySink(connection, metrics, 1000);
    sink.write([Buffer.from('a'), Buffer.from('b')]);
    sink.write(Buffer.from('c'));
    expect(Buffer.concat(connection.written).toString()).toBe('abc');
    expect(sink.bufferedBytes).toBe(0);
  });

  it('cuts a frame into SRT payloads of seven TS packets', () => {
    const connection = fakeConnection(() => true);
    const sink = new SrtPlaySink(connection, metrics, 1 << 20);
    sink.write(Buffer.alloc(188 * 16));
    expect(connection.written.map((b) => b.length)).toEqual([1316, 1316, 376]);
  });

  describe('when libsrt refuses a write (the viewer cannot keep up)', () => {
    it('stops the batch there and reports itself over the bound for a while, so the hub skips it forward', () => {
      let t = 0;
      const connection = fakeConnection((n) => n !== 1);
      const sink = new SrtPlaySink(connection, metrics, 1000, () => t);
      sink.write([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
      expect(Buffer.concat(connection.written).toString()).toBe('a');
      expect(sink.bufferedBytes).toBeGreaterThan(1000);
      t += SRT_CONGESTION_HOLD_MS;
      expect(sink.bufferedBytes).toBe(0);
    });
  });

  it('close closes the SRT connection', () => {
    const connection = fakeConnection(() => true);
    new SrtPlaySink(connection, metrics, 1000).close();
    expect(connection.closed).toBe(true);
  });
});
