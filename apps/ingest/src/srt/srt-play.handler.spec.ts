import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { createLogger } from '@mediaplane/observability';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import type { PlaybackAccess, PlaybackAccessService } from '../playback/playback-access.service';
import type { PublishSession } from '../publish/publish-session';
import type { SrtConnection } from '@mediaplane/srt';
import { SrtPlayHandler } from './srt-play.handler';

const config = { INGEST_SRT_ACCEPT_TIMEOUT_MS: 1000, INGEST_SRT_LATENCY_MS: 120, INGEST_VIEWER_QUEUE_BYTES: 1 << 20 } as IngestConfig;
const request = { streamId: '#!::r=live/abc,m=request', remoteAddress: '10.0.0.9', remotePort: 5000 };

class FakeConnection extends EventEmitter {
  closed = false;
  readonly streamId = request.streamId;
  readonly remoteAddress = request.remoteAddress;
  readonly remotePort = request.remotePort;
  get isClosed() {
    return this.closed;
  }
  write() {
    return true;
  }
  close() {
    this.closed = true;
    this.emit('close', 'closed');
  }
}

function setup(access: PlaybackAccess) {
  const viewers: Array<{ id: string; protocol: string; counted: boolean }> = [];
  const removed: string[] = [];
  const hub = {
    addViewer: (init: { id: string; protocol: string; counted: boolean }) => (viewers.push(init), init),
    removeViewer: (id: string) => removed.push(id),
  };
  const session = { isEnded: false, hub } as unknown as PublishSession;
  const check = jest.fn((): PlaybackAccess => (access.ok ? { ...access, session } : access));
  const handler = new SrtPlayHandler(
    { check } as unknown as PlaybackAccessService,
    new IngestMetrics(new Registry()),
    createLogger({ app: 't', level: 'silent' }),
    config,
  );
  return { handler, check, viewers, removed };
}

describe('SrtPlayHandler', () => {
  it.each([
    [404, 1404],
    [401, 1401],
    [403, 1401],
    [400, 1400],
  ] as const)('turns the shared access check’s %i into SRT reject %i', (status, code) => {
    const { handler } = setup({ ok: false, status, message: 'no' });
    expect(handler.decide(request, 'abc', undefined)).toEqual({ accept: false, rejectCode: code });
  });

  it('checks the token from s= once, in the handshake, and attaches the connection as a counted SRT viewer', () => {
    const { handler, check, viewers, removed } = setup({ ok: true, counted: true, session: undefined as unknown as PublishSession });
    expect(handler.decide(request, 'abc', 'v1.token')).toEqual({ accept: true, latencyMs: 120 });
    expect(check).toHaveBeenCalledWith('abc', 'v1.token');
    const connection = new FakeConnection();
    handler.onConnection(connection as unknown as SrtConnection);
    expect(check).toHaveBeenCalledTimes(1);
    expect(viewers).toEqual([expect.objectContaining({ protocol: 'srt', counted: true })]);
    connection.close();
    expect(removed).toEqual([viewers[0]?.id]);
  });

  it('closes a connection that has no accepted handshake behind it', () => {
    const { handler, viewers } = setup({ ok: true, counted: true, session: undefined as unknown as PublishSession });
    const connection = new FakeConnection();
    handler.onConnection(connection as unknown as SrtConnection);
    expect(connection.closed).toBe(true);
    expect(viewers).toEqual([]);
  });
});
