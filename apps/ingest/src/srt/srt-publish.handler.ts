import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import { normalizeAddress } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PublishAuthorizer } from '../publish/publish-authorizer.service';
import type { PublishSession } from '../publish/publish-session';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import type { PublisherHandle } from '../publish/publisher-handle';
import { SrtLinkSampler } from './srt-link-sampler';
import { SrtRejectCode, type SrtConnectDecision, type SrtConnectRequest, type SrtConnection } from '@mediaplane/srt';
import { SrtPendingAccepts } from './srt-pending-accepts';
import { publishRejectCode } from './srt-reject-codes';
import { TsPublishFeed } from './ts-publish-feed';

/**
 * The publisher side of an accepted handshake, until its connection is known:
 * a kick or takeover that arrives in between is remembered and applied as
 * soon as the connection comes up.
 */
class SrtPublisherHandle implements PublisherHandle {
  readonly protocol = 'srt' as const;
  private connection?: SrtConnection;
  private closedWith?: string;

  constructor(readonly remoteAddress: string) {}

  attach(connection: SrtConnection): boolean {
    this.connection = connection;
    if (this.closedWith === undefined) return true;
    connection.close();
    return false;
  }

  close(reason: string): void {
    this.closedWith ??= reason;
    if (this.connection && !this.connection.isClosed) this.connection.close();
  }
}

interface PendingPublish {
  session: PublishSession;
  publisher: SrtPublisherHandle;
}

/**
 * An SRT publish, in two steps. In the handshake (libsrt's listen callback,
 * before any media): the same authorization as RTMP over NATS (fail closed),
 * then the cluster-wide claim — so an unknown key, a busy stream or a down
 * control plane is refused with a reject code, and an accepted caller gets
 * its stream's passphrase and latency. When the connection comes up: its
 * MPEG-TS is demuxed into the session's hub like RTMP's FLV tags. A claim
 * whose connection never comes up (wrong passphrase) is withdrawn after
 * INGEST_SRT_ACCEPT_TIMEOUT_MS.
 */
@Injectable()
export class SrtPublishHandler implements OnModuleDestroy {
  private readonly pending: SrtPendingAccepts<PendingPublish>;

  constructor(
    private readonly authorizer: PublishAuthorizer,
    private readonly sessions: PublishSessionsService,
    private readonly metrics: IngestMetrics,
    private readonly links: SrtLinkSampler,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {
    this.pending = new SrtPendingAccepts(config.INGEST_SRT_ACCEPT_TIMEOUT_MS, ({ session }) => {
      this.logger.info({ streamId: session.streamId }, 'srt publish accepted but its connection never came up (wrong passphrase?); releasing the stream');
      void session.withdraw();
    });
  }

  onModuleDestroy(): void {
    this.pending.expireAll();
  }

  async decide(request: SrtConnectRequest, streamKey: string): Promise<SrtConnectDecision> {
    const remoteAddress = normalizeAddress(request.remoteAddress);
    if (this.sessions.isDraining) return { accept: false, rejectCode: SrtRejectCode.UNAVAILABLE };
    // libsrt holds the port's receive thread while we decide: nothing here may wait longer than the decision may take.
    const deadline = Date.now() + this.config.INGEST_SRT_DECISION_TIMEOUT_MS;
    const outcome = await this.authorizer.authorize('srt', streamKey, remoteAddress, { wait: false, timeoutMs: this.config.INGEST_SRT_DECISION_TIMEOUT_MS });
    if (!outcome.ok) return { accept: false, rejectCode: publishRejectCode(outcome.reason) };
    // Too late: libsrt has refused the caller already (1503); claiming now would hold the stream for nobody.
    if (Date.now() >= deadline) return { accept: false, rejectCode: SrtRejectCode.UNAVAILABLE };
    const { grant } = outcome;
    // A publish of this stream accepted earlier whose connection has not come up (a caller that retries after a
    // wrong passphrase comes from a new socket) never carried media: it gives way instead of making the stream busy.
    for (const stale of this.pending.takeWhere(({ session }) => session.streamId === grant.streamId)) await stale.session.withdraw();
    const publisher = new SrtPublisherHandle(remoteAddress);
    const session = await this.sessions.start(grant, publisher);
    if (!session) {
      this.authorizer.refuse('srt', remoteAddress, 'busy', 'already publishing', grant.streamId);
      return { accept: false, rejectCode: SrtRejectCode.CONFLICT };
    }
    this.pending.add(SrtPendingAccepts.key(remoteAddress, request.remotePort, request.streamId), { session, publisher });
    const { passphrase, keyLength, latencyMs } = grant.srt ?? {};
    return {
      accept: true,
      latencyMs: latencyMs ?? this.config.INGEST_SRT_LATENCY_MS,
      ...(passphrase ? { passphrase, keyLength: keyLength ?? 16 } : {}),
    };
  }

  /** The connection of an accepted publish came up: feed its MPEG-TS to the session until either ends. */
  onConnection(connection: SrtConnection): void {
    const remoteAddress = normalizeAddress(connection.remoteAddress);
    const entry = this.pending.take(SrtPendingAccepts.key(remoteAddress, connection.remotePort, connection.streamId));
    if (!entry) {
      // Its decision expired (or was withdrawn by shutdown): the stream is not held for it any more.
      this.logger.info({ remoteAddress }, 'srt publisher connected after its accept expired; closing');
      connection.close();
      return;
    }
    const { session, publisher } = entry;
    if (session.isEnded || !publisher.attach(connection)) {
      connection.close();
      void session.end('publisher_closed');
      return;
    }
    const log = this.logger.child({ streamId: session.streamId, sessionId: session.sessionId, protocol: 'srt' });
    const feed = new TsPublishFeed(session);
    connection.on('data', (chunk: Buffer) => {
      if (session.isEnded) return;
      const error = feed.push(chunk);
      if (!error) return;
      // A malformed TS stream ends its own connection and stream only.
      this.metrics.protocolErrors.inc({ code: `mpegts-${error.code}` });
      log.info({ reason: error.message, remoteAddress }, 'srt publisher closed: malformed MPEG-TS');
      // The reason first: closing the connection ends the session too, as a plain departure.
      void session.end('error');
      connection.close();
    });
    connection.once('close', (reason: string) => {
      this.links.remove(session.streamId, connection);
      log.debug({ reason }, 'srt publisher connection closed');
      // end() runs once: when a kick or an error closed the connection, its own reason stands.
      void session.end('publisher_closed');
    });
    this.links.add(session, connection);
    session.begin();
  }
}
