import { Registry } from 'prom-client';
import { IngestMetrics } from '../observability/ingest-metrics';
import { SRT_CONGESTION_HOLD_MS, SrtPlaySink } from './viewer-sinks';

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
