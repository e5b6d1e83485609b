import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '@mediaplane/observability';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import type { AuthorizeOutcome, PublishAuthorizer } from '../publish/publish-authorizer.service';
import type { PublishSession } from '../publish/publish-session';
import type { PublishSessionsService } from '../publish/publish-sessions.service';
import type { PublishGrant, PublisherHandle } from '../publish/publisher-handle';
import type { SrtLinkSampler } from './srt-link-sampler';
import type { SrtConnection } from '@mediaplane/srt';
import { SrtPublishHandler } from './srt-publish.handler';

const FIXTURE = readFileSync(join(__dirname, '../../../../libs/codecs/src/fixtures/h264-aac.mpegts'));
const config = { INGEST_SRT_ACCEPT_TIMEOUT_MS: 1000, INGEST_SRT_LATENCY_MS: 120, INGEST_SRT_DECISION_TIMEOUT_MS: 1000 } as IngestConfig;
const request = { streamId: '#!::r=live/sk_key12345678,m=publish', remoteAddress: '10.0.0.7', remotePort: 4000 };

class FakeSession {
  readonly sessionId = 'session-1';
  readonly calls: string[] = [];
  readonly media: string[] = [];
  isEnded = false;
  reason?: string;
  constructor(
    readonly grant: PublishGrant,
    readonly publisher: PublisherHandle,
  ) {}
  get streamId() {
    return this.grant.streamId;
  }
  begin() {
    this.calls.push('begin');
  }
  onMedia(kind: string) {
    this.media.push(kind);
  }
  async withdraw() {
    this.calls.push('withdraw');
    this.isEnded = true;
  }
  async end(reason: string) {
    if (this.isEnded) return;
    this.isEnded = true;
    this.reason = reason;
    this.calls.push(`end ${reason}`);
  }
}

class FakeConnection extends EventEmitter {
  closed = false;
  constructor(
    readonly streamId = request.streamId,
    readonly remoteAddress = request.remoteAddress,
    readonly remotePort = request.remotePort,
  ) {
    super();
  }
  get isClosed() {
    return this.closed;
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', 'closed by us');
  }
}

function setup(outcome: AuthorizeOutcome, options: { busy?: boolean; draining?: boolean } = {}) {
  const refusals: string[] = [];
  const sessions: FakeSession[] = [];
  const authorizer = {
    authorize: jest.fn(async () => outcome),
    refuse: (_p: string, _a: string, reason: string) => {
      refusals.push(reason);
      return { ok: false, reason, description: reason };
    },
  } as unknown as PublishAuthorizer;
  const sessionsService = {
    isDraining: options.draining ?? false,
    start: async (grant: PublishGrant, publisher: PublisherHandle) => {
      if (options.busy) return undefined;
      const session = new FakeSession(grant, publisher);
      sessions.push(session);
      return session as unknown as PublishSession;
    },
  } as unknown as PublishSessionsService;
  const links = { add: jest.fn(), remove: jest.fn() } as unknown as SrtLinkSampler;
  const metrics = new IngestMetrics(new Registry());
  const handler = new SrtPublishHandler(authorizer, sessionsService, metrics, links, createLogger({ app: 'test', level: 'silent' }), config);
  return { handler, authorizer, refusals, sessions, links, metrics };
}

const grant = (extra: Partial<PublishGrant> = {}): AuthorizeOutcome => ({
  ok: true,
  grant: { streamId: 's1', name: 's1', private: false, record: false, ...extra },
});

describe('SrtPublishHandler', () => {
  afterEach(() => jest.useRealTimers());

  describe('in the handshake', () => {
    it.each([
      ['an unknown key', 'unknown_key', 1403],
      ['a key that is not key-shaped', 'invalid_key', 1403],
      ['a throttled address', 'rate_limited', 1429],
      ['a control plane that does not answer (fail closed)', 'unavailable', 1503],
    ] as const)('rejects %s with %s → %i', async (_name, reason, code) => {
      const { handler, authorizer } = setup({ ok: false, reason, description: reason });
      await expect(handler.decide(request, 'sk_key12345678')).resolves.toEqual({ accept: false, rejectCode: code });
      // Never held back: libsrt's port waits while we decide.
      expect(authorizer.authorize).toHaveBeenCalledWith('srt', 'sk_key12345678', '10.0.0.7', { wait: false, timeoutMs: 1000 });
    });

    it('rejects while the node drains, without asking anyone', async () => {
      const { handler, authorizer } = setup(grant(), { draining: true });
      await expect(handler.decide(request, 'sk_key12345678')).resolves.toEqual({ accept: false, rejectCode: 1503 });
      expect(authorizer.authorize).not.toHaveBeenCalled();
    });

    it('rejects a stream that is live anywhere as busy (409-class), announced as such', async () => {
      const { handler, refusals } = setup(grant(), { busy: true });
      await expect(handler.decide(request, 'sk_key12345678')).resolves.toEqual({ accept: false, rejectCode: 1409 });
      expect(refusals).toEqual(['busy']);
    });

    it("accepts with the stream's passphrase, key length and latency, or the configured latency", async () => {
      const locked = setup(grant({ srt: { passphrase: 'correct-horse-battery', keyLength: 32, latencyMs: 400 } }));
      await expect(locked.handler.decide(request, 'k')).resolves.toEqual({ accept: true, passphrase: 'correct-horse-battery', keyLength: 32, latencyMs: 400 });
      const passphraseOnly = setup(grant({ srt: { passphrase: 'correct-horse-battery' } }));
      await expect(passphraseOnly.handler.decide(request, 'k')).resolves.toEqual({
        accept: true,
        passphrase: 'correct-horse-battery',
        keyLength: 16,
        latencyMs: 120,
      });
      const open = setup(grant());
      await expect(open.handler.decide(request, 'k')).resolves.toEqual({ accept: true, latencyMs: 120 });
    });
  });

  describe('when the accepted connection never comes up (a wrong passphrase)', () => {
    it('withdraws the claim after the accept timeout, without starting the stream', async () => {
      jest.useFakeTimers();
      const { handler, sessions } = setup(grant());
      await handler.decide(request, 'k');
      jest.advanceTimersByTime(999);
      expect(sessions[0]?.calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(sessions[0]?.calls).toEqual(['withdraw']);
      // A connection that shows up after all is closed: the stream is no longer held for it.
      const late = new FakeConnection();
      handler.onConnection(late as unknown as SrtConnection);
      expect(late.closed).toBe(true);
    });

    it('gives way at once to the next accepted caller of the same stream (a retry from a new socket)', async () => {
      const { handler, sessions } = setup(grant());
      await handler.decide(request, 'k');
      await handler.decide({ ...request, remotePort: 4001 }, 'k');
      expect(sessions.map((s) => s.calls)).toEqual([['withdraw'], []]);
      handler.onModuleDestroy();
    });
  });

  describe('when the connection comes up', () => {
    it('begins the session and feeds it the demuxed MPEG-TS; the peer leaving ends it', async () => {
      const { handler, sessions, links } = setup(grant());
      await handler.decide(request, 'k');
      const connection = new FakeConnection();
      handler.onConnection(connection as unknown as SrtConnection);
      const session = sessions[0] as FakeSession;
      expect(session.calls).toEqual(['begin']);
      expect(links.add).toHaveBeenCalled();
      for (let i = 0; i < FIXTURE.length; i += 1316) connection.emit('data', FIXTURE.subarray(i, i + 1316));
      expect(session.media.filter((k) => k === 'video').length).toBeGreaterThan(10);
      expect(session.media).toContain('audio');
      connection.emit('close', 'peer closed');
      expect(session.calls).toEqual(['begin', 'end publisher_closed']);
      expect(links.remove).toHaveBeenCalled();
    });

    it('closes the connection when the session is kicked (PublisherHandle.close)', async () => {
      const { handler, sessions } = setup(grant());
      await handler.decide(request, 'k');
      const connection = new FakeConnection();
      handler.onConnection(connection as unknown as SrtConnection);
      sessions[0]?.publisher.close('kicked');
      expect(connection.closed).toBe(true);
    });

    it('closes a connection whose stream was kicked between the handshake and now', async () => {
      const { handler, sessions } = setup(grant());
      await handler.decide(request, 'k');
      sessions[0]?.publisher.close('kicked');
      const connection = new FakeConnection();
      handler.onConnection(connection as unknown as SrtConnection);
      expect(connection.closed).toBe(true);
      expect(sessions[0]?.calls).not.toContain('begin');
    });

    it('closes only its own connection and ends its stream with "error" when the bytes are not MPEG-TS', async () => {
      const { handler, sessions, metrics } = setup(grant());
      await handler.decide(request, 'k');
      const connection = new FakeConnection();
      handler.onConnection(connection as unknown as SrtConnection);
      for (let i = 0; i < 100 && !connection.closed; i++) connection.emit('data', Buffer.alloc(1316, 0x42));
      expect(connection.closed).toBe(true);
      expect(sessions[0]?.calls).toEqual(['begin', 'end error']);
      expect((await metrics.protocolErrors.get()).values).toEqual([expect.objectContaining({ labels: { code: 'mpegts-demux' }, value: 1 })]);
    });
  });
});
