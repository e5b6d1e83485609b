import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, LoadReporterService, ShutdownService } from '@mediaplane/service-kit';
import { LiveStreamStore } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { INGEST_PLAYBACK_PROTOCOLS, PublishSession, type StreamEndReason } from './publish-session';
import type { PublishGrant, PublisherHandle } from './publisher-handle';
import { streamHubOptions } from './stream-hub-options';

/**
 * The streams published on this node, by stream id: starts sessions (after
 * the cluster-wide claim), finds them for playback, kicks them, and ends
 * them all on shutdown. The HTTP port is learned at bootstrap for pull URLs.
 */
@Injectable()
export class PublishSessionsService implements OnModuleInit {
  private readonly sessions = new Map<string, PublishSession>();
  /** Players waiting for a stream to go live on this node (RTMP play before the publisher). */
  private readonly liveWaiters = new Map<string, Set<() => void>>();
  private httpPort: number;
  private draining = false;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    readonly store: LiveStreamStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly metrics: IngestMetrics,
    private readonly shutdown: ShutdownService,
    private readonly load: LoadReporterService,
  ) {
    this.httpPort = config.INGEST_HTTP_PORT;
  }

  onModuleInit(): void {
    this.shutdown.onDrain('publishers', async () => {
      this.draining = true;
      await this.endAll('shutdown');
    });
    this.load.addUnit('streams', () => this.sessions.size);
    this.load.addUnit('viewers', () => this.totals().viewers);
    this.load.addUnit('internalPulls', () => this.totals().internal);
    const timer = setInterval(() => this.updateGauges(), 1000);
    timer.unref();
  }

  /** The HTTP port actually bound (differs from config when it was 0). */
  setHttpPort(port: number): void {
    this.httpPort = port;
  }

  get(streamId: string): PublishSession | undefined {
    const session = this.sessions.get(streamId);
    return session && !session.isEnded ? session : undefined;
  }

  get count(): number {
    return this.sessions.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Claims the stream and registers the session; undefined when another
   * publisher (on any node) holds it. The caller accepts the publisher,
   * wires its media to the session and calls session.begin(). A relay
   * (options.relay) claims nothing: the node relaying it holds the stream.
   */
  async start(grant: PublishGrant, publisher: PublisherHandle, options: { relay?: boolean } = {}): Promise<PublishSession | undefined> {
    const local = this.sessions.get(grant.streamId);
    if (local) {
      // A takeover replaces the publisher live on this very node; otherwise the key is busy.
      if (!grant.takeover) return undefined;
      await this.kick(grant.streamId, 'takeover', local.sessionId);
      await local.ended;
      if (this.sessions.has(grant.streamId)) return undefined;
    }
    const session = new PublishSession(grant, publisher, {
      bus: this.bus,
      store: this.store,
      logger: this.logger,
      metrics: this.metrics,
      node: this.instanceId,
      pullBaseUrl: `http://${this.config.MEDIAPLANE_ADVERTISE_HOST}:${this.httpPort}`,
      statsIntervalMs: this.config.INGEST_STATS_INTERVAL_MS,
      codecWaitMs: this.config.INGEST_CODEC_WAIT_MS,
      timestampJumpMs: this.config.INGEST_TIMESTAMP_JUMP_MS,
      mediaTimeoutMs: this.config.INGEST_IDLE_TIMEOUT_MS,
      relay: options.relay === true,
      hub: streamHubOptions(this.config, this.metrics, this.logger, grant.streamId),
    });
    // Reserve locally before the Redis round trip so two publishes racing on this node cannot both claim.
    this.sessions.set(grant.streamId, session);
    let claimed = options.relay === true;
    try {
      if (!claimed) claimed = await session.claim();
    } catch (error) {
      this.logger.error({ err: error, streamId: grant.streamId }, 'live state claim failed');
    }
    if (!claimed) {
      this.sessions.delete(grant.streamId);
      return undefined;
    }
    for (const notify of this.liveWaiters.get(grant.streamId) ?? []) notify();
    this.liveWaiters.delete(grant.streamId);
    void session.ended.then(() => {
      if (this.sessions.get(grant.streamId) === session) this.sessions.delete(grant.streamId);
      this.updateGauges();
    });
    this.updateGauges();
    return session;
  }

  /**
   * Resolves when a publisher of the stream is accepted on this node, or
   * after `timeoutMs` (a player that arrived first waits instead of failing).
   */
  whenLive(streamId: string, timeoutMs: number): Promise<void> {
    if (this.sessions.has(streamId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.liveWaiters.get(streamId) ?? new Set<() => void>();
      this.liveWaiters.set(streamId, waiters);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.liveWaiters.get(streamId) === waiters) this.liveWaiters.delete(streamId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      waiters.add(done);
    });
  }

  /** Kick from the API (or delete / key rotation, or a takeover naming `sessionId`): ends the session if this node holds it. */
  async kick(streamId: string, reason: StreamEndReason, sessionId?: string): Promise<boolean> {
    const session = this.sessions.get(streamId);
    if (!session || (sessionId !== undefined && session.sessionId !== sessionId)) return false;
    this.logger.info({ streamId, reason }, 'publisher kicked');
    await session.end(reason);
    return true;
  }

  async endAll(reason: StreamEndReason): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.end(reason)));
  }

  totals(): { viewers: number; internal: number; byProtocol: Record<string, number> } {
    const byProtocol: Record<string, number> = {};
    let viewers = 0;
    let internal = 0;
    for (const session of this.sessions.values()) {
      const stats = session.hub.stats();
      internal += stats.internal;
      for (const [protocol, n] of Object.entries(stats.viewers)) {
        byProtocol[protocol] = (byProtocol[protocol] ?? 0) + n;
        viewers += n;
      }
    }
    return { viewers, internal, byProtocol };
  }

  private updateGauges(): void {
    const publishers: Record<string, number> = { rtmp: 0, rtmps: 0, srt: 0, whip: 0 };
    for (const session of this.sessions.values()) publishers[session.publisher.protocol] = (publishers[session.publisher.protocol] ?? 0) + 1;
    for (const [protocol, n] of Object.entries(publishers)) this.metrics.publishers.set({ protocol }, n);
    const totals = this.totals();
    for (const protocol of INGEST_PLAYBACK_PROTOCOLS) this.metrics.viewers.set({ protocol }, totals.byProtocol[protocol] ?? 0);
    this.metrics.internalPulls.set(totals.internal);
  }
}
