import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { streamContracts, type MediaInfo, type PlaybackProtocol, type StreamEndReasonSchema } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import { StreamHub, StreamMediaProbe, type StreamHubOptions } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';
import type { Amf0Value } from '@mediaplane/codecs';
import type { z } from 'zod';
import type { IngestMetrics } from '../observability/ingest-metrics';
import type { PublishGrant, PublisherHandle } from './publisher-handle';

export type StreamEndReason = z.infer<typeof StreamEndReasonSchema>;

export interface PublishSessionDeps {
  bus: Bus;
  store: LiveStreamStore;
  logger: Logger;
  metrics: IngestMetrics;
  /** This instance's id (LiveStreamState.node). */
  node: string;
  /** Base of the internal pull URL, e.g. http://10.0.0.5:8081 */
  pullBaseUrl: string;
  statsIntervalMs: number;
  codecWaitMs: number;
  /** A publisher that sends no audio or video this long is ended with reason 'timeout'. */
  mediaTimeoutMs: number;
  hub: StreamHubOptions;
  /**
   * A relay publish (the SFU's bridge of a WHIP stream): the session feeds the
   * hub and serves viewers, but the stream's live state and its started/ended
   * events belong to the node that holds the publisher.
   */
  relay?: boolean;
}

const PLAYBACK_PROTOCOLS: readonly PlaybackProtocol[] = ['rtmp', 'flv', 'wsflv'];

/**
 * One accepted publish: owns the stream's live-state entry in Redis, its
 * fan-out hub and media probe, and its lifecycle events. Created by
 * PublishSessionsService after authorization; ends exactly once, with a
 * reason, whoever ends it (publisher gone, kick, shutdown, lost ownership).
 */
export class PublishSession {
  readonly sessionId = randomUUID();
  readonly startedAt = new Date();
  readonly hub: StreamHub;
  readonly probe = new StreamMediaProbe();
  private statsTimer?: NodeJS.Timeout;
  private codecTimer?: NodeJS.Timeout;
  private started?: Promise<void>;
  private ending?: Promise<void>;
  /** Set synchronously when end() is first called (before `ending` holds its promise). */
  private closing = false;
  private resolveEnded: () => void = () => undefined;
  /** Settles when the session has fully ended (events sent, live state released). */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));
  private lastBytesIn = 0;
  private lastMediaAt = Date.now();
  private endReason?: StreamEndReason;
  private readonly log: Logger;

  constructor(
    readonly grant: PublishGrant,
    readonly publisher: PublisherHandle,
    private readonly deps: PublishSessionDeps,
  ) {
    this.hub = new StreamHub(deps.hub);
    this.log = deps.logger.child({ streamId: grant.streamId, sessionId: this.sessionId, protocol: publisher.protocol });
  }

  get streamId(): string {
    return this.grant.streamId;
  }

  get isEnded(): boolean {
    return this.closing;
  }

  get pullUrl(): string {
    return `${this.deps.pullBaseUrl}/live/${this.streamId}.flv`;
  }

  /** Takes the stream cluster-wide (Redis SET NX); false when another publisher holds it. */
  async claim(): Promise<boolean> {
    return this.deps.store.claim(this.liveState(), this.ttlMs);
  }

  /** Starts the periodic live-state refresh and the codec wait; call once the publisher is accepted. */
  begin(): void {
    this.deps.metrics.streamsStarted.inc({ protocol: this.publisher.protocol });
    this.log.info({ name: this.grant.name, remoteAddress: this.publisher.remoteAddress }, 'publish started');
    this.lastMediaAt = Date.now();
    this.statsTimer = setInterval(() => void this.refresh(), Math.min(this.deps.statsIntervalMs, this.deps.mediaTimeoutMs));
    this.statsTimer.unref();
    if (this.deps.relay) return;
    this.codecTimer = setTimeout(() => this.announceStarted(), this.deps.codecWaitMs);
    this.codecTimer.unref();
  }

  onMedia(kind: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    if (this.closing) return;
    this.lastMediaAt = Date.now();
    this.probe.observe(kind, timestamp, payload);
    this.hub.pushMedia(kind, timestamp, payload);
    if (!this.started && !this.deps.relay && this.probe.codecsKnown) this.announceStarted();
  }

  onMetadata(timestamp: number, properties: Record<string, Amf0Value>, payload: Buffer): void {
    if (this.closing) return;
    this.probe.observeMetadata(properties);
    this.hub.pushMetadata(timestamp, payload);
  }

  onData(timestamp: number, payload: Buffer): void {
    if (this.closing) return;
    this.hub.pushData(timestamp, payload);
  }

  /** Ends the session once: closes viewers and the publisher, releases the live state, sends streamEnded. */
  end(reason: StreamEndReason): Promise<void> {
    if (!this.ending) {
      this.closing = true;
      this.endReason = reason;
      // Deferred a microtask: closing the publisher re-enters end() through its close events.
      this.ending = Promise.resolve()
        .then(() => this.finish(reason))
        .catch((error: unknown) => this.log.error({ err: error }, 'session end failed'))
        .finally(() => this.resolveEnded());
    }
    return this.ending;
  }

  viewerCounts(): Partial<Record<PlaybackProtocol, number>> {
    const { viewers } = this.hub.stats();
    const out: Partial<Record<PlaybackProtocol, number>> = {};
    for (const protocol of PLAYBACK_PROTOCOLS) out[protocol] = viewers[protocol] ?? 0;
    return out;
  }

  private get ttlMs(): number {
    return this.deps.statsIntervalMs * 3;
  }

  private liveState(bitrateKbps = 0): LiveStreamState {
    return {
      streamId: this.streamId,
      sessionId: this.sessionId,
      node: this.deps.node,
      pullUrl: this.pullUrl,
      protocol: this.publisher.protocol,
      private: this.grant.private,
      startedAt: this.startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      media: this.probe.mediaInfo as MediaInfo,
      bitrateKbps,
      viewers: this.viewerCounts(),
    };
  }

  private flushBytesIn(): void {
    const total = this.probe.bytesIn;
    this.deps.metrics.addBytesIn(this.publisher.protocol, total - this.lastBytesIn);
    this.lastBytesIn = total;
  }

  private async refresh(): Promise<void> {
    if (this.closing) return;
    // The connection may stay alive (it answers pings) while no media flows: that is a dead stream.
    const silentMs = Date.now() - this.lastMediaAt;
    if (silentMs >= this.deps.mediaTimeoutMs) {
      this.log.info({ silentMs }, 'publisher sent no media; ending the stream');
      void this.end('timeout');
      return;
    }
    this.flushBytesIn();
    if (this.deps.relay) return;
    const state = this.liveState(this.probe.sampleBitrateKbps());
    try {
      if (await this.deps.store.update(state, this.ttlMs)) return;
      // The entry expired (Redis was unreachable for a while) or was taken: try to take it back.
      if (this.closing) return;
      if (await this.deps.store.claim(state, this.ttlMs)) {
        this.log.warn('live state had expired; claimed it again');
        return;
      }
      this.log.warn('another session holds this stream now; ending ours');
      this.publisher.close('stream taken over');
      void this.end('takeover');
    } catch (error) {
      this.log.warn({ err: error }, 'live state not refreshed');
    }
  }

  private announceStarted(evenIfEnding = false): void {
    if (this.started || (this.closing && !evenIfEnding)) return;
    if (this.codecTimer) clearTimeout(this.codecTimer);
    // In the authorization's trace, so the transcode job that consumes stream.started joins it.
    const traceContext = this.grant.traceContext ?? context.active();
    this.started = context
      .with(traceContext, () =>
        this.deps.bus.publish(
          streamContracts.streamStarted,
          { streamId: this.streamId },
          {
            streamId: this.streamId,
            sessionId: this.sessionId,
            protocol: this.publisher.protocol,
            node: this.deps.node,
            startedAt: this.startedAt.toISOString(),
            media: this.probe.mediaInfo as MediaInfo,
            // The publish decision travels on with the stream: transcode reads it here and does not ask again.
            settings: { private: this.grant.private, record: this.grant.record, ...(this.grant.ladder ? { ladder: this.grant.ladder } : {}) },
          },
          { msgId: `${this.sessionId}:started` },
        ),
      )
      .then(
        () => this.log.info({ media: this.probe.mediaInfo }, 'stream started'),
        (error: unknown) => this.log.error({ err: error }, 'streamStarted not published'),
      );
    // Write the media facts at once rather than at the next refresh, so the API shows them while live.
    if (!this.closing) void this.refresh();
  }

  private async finish(reason: StreamEndReason): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.codecTimer) clearTimeout(this.codecTimer);
    this.flushBytesIn();
    this.hub.close(reason === 'publisher_closed' ? 'stream ended' : `stream ended: ${reason}`);
    if (reason !== 'publisher_closed' && reason !== 'error') this.publisher.close(`stream ended: ${reason}`);
    if (this.deps.relay) {
      this.log.info({ reason, bytesIn: this.probe.bytesIn }, 'relay ended');
      return;
    }
    // A session that ends before its codecs were known still announces its start, so consumers see a pair.
    if (!this.started) this.announceStarted(true);
    await this.started;
    await this.deps.store.release(this.streamId, this.sessionId).catch((error: unknown) => this.log.warn({ err: error }, 'live state not released'));
    const endedAt = new Date();
    try {
      await this.deps.bus.publish(
        streamContracts.streamEnded,
        { streamId: this.streamId },
        {
          streamId: this.streamId,
          sessionId: this.sessionId,
          protocol: this.publisher.protocol,
          node: this.deps.node,
          reason,
          startedAt: this.startedAt.toISOString(),
          endedAt: endedAt.toISOString(),
          bytesIn: this.probe.bytesIn,
        },
        { msgId: `${this.sessionId}:ended` },
      );
    } catch (error) {
      this.log.error({ err: error }, 'streamEnded not published');
    }
    const stats = this.hub.stats();
    this.log.info(
      {
        reason,
        durationMs: endedAt.getTime() - this.startedAt.getTime(),
        bytesIn: this.probe.bytesIn,
        bytesOut: stats.bytesOut,
        droppedFrames: stats.droppedFrames,
      },
      'publish ended',
    );
  }

  get reason(): StreamEndReason | undefined {
    return this.endReason;
  }
}
