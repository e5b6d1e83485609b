import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import type { MediaInfo, PlaybackProtocol, SrtLinkStats } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import { PublisherTimeline, StreamHub, StreamMediaProbe, type StreamHubOptions, type TimestampCorrection } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';
import type { Amf0Value } from '@mediaplane/codecs';
import { LiveStreamPresence, type StreamEndReason } from '@mediaplane/service-kit';
import type { IngestMetrics } from '../observability/ingest-metrics';
import type { PublishGrant, PublisherHandle } from './publisher-handle';

export type { StreamEndReason } from '@mediaplane/service-kit';

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
  /** See INGEST_TIMESTAMP_JUMP_MS. */
  timestampJumpMs: number;
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

/** The playback protocols this node serves (and counts) itself; HLS and WHEP are counted by edge and SFU. */
export const INGEST_PLAYBACK_PROTOCOLS: readonly PlaybackProtocol[] = ['rtmp', 'flv', 'wsflv', 'srt'];

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
  private readonly timeline: PublisherTimeline;
  /** Corrections per kind, for the first-occurrence warning and the end-of-session log. */
  private readonly corrections = new Map<TimestampCorrection, number>();
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
  /** The publisher's SRT link statistics, latest sample (set by the SRT listener; written with each live-state refresh). */
  link?: SrtLinkStats;
  private lastMediaAt = Date.now();
  private endReason?: StreamEndReason;
  private readonly log: Logger;
  private readonly presence: LiveStreamPresence;

  constructor(
    readonly grant: PublishGrant,
    readonly publisher: PublisherHandle,
    private readonly deps: PublishSessionDeps,
  ) {
    this.hub = new StreamHub(deps.hub);
    this.timeline = new PublisherTimeline({ jumpThresholdMs: deps.timestampJumpMs });
    this.log = deps.logger.child({ streamId: grant.streamId, sessionId: this.sessionId, protocol: publisher.protocol });
    this.presence = new LiveStreamPresence(
      { streamId: grant.streamId, sessionId: this.sessionId, protocol: publisher.protocol, startedAt: this.startedAt },
      { bus: deps.bus, store: deps.store, node: deps.node, ttlMs: deps.statsIntervalMs * 3, logger: this.log },
    );
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

  /** The internal pull as MPEG-TS (TsPullService), for FFmpeg runs that cannot read HEVC in FLV. */
  get pullUrlTs(): string {
    return `${this.deps.pullBaseUrl}/live/${this.streamId}.ts`;
  }

  /** Takes the stream cluster-wide (Redis SET NX); false when another publisher holds it. */
  async claim(): Promise<boolean> {
    return this.presence.claim(this.liveState(), this.grant.takeover);
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
    // The publisher's clock is not trusted: everything downstream (viewers, the HLS ladder) sees a sane timeline.
    const retimed = this.timeline.retime(kind, timestamp, payload);
    if (retimed.correction) this.countCorrection(kind, retimed.correction, timestamp, retimed.timestamp);
    this.probe.observe(kind, retimed.timestamp, payload);
    this.hub.pushMedia(kind, retimed.timestamp, payload);
    if (!this.started && !this.deps.relay && this.probe.codecsKnown) this.announceStarted();
  }

  onMetadata(_timestamp: number, properties: Record<string, Amf0Value>, payload: Buffer): void {
    if (this.closing) return;
    this.probe.observeMetadata(properties);
    this.hub.pushMetadata(this.timeline.position, payload);
  }

  onData(_timestamp: number, payload: Buffer): void {
    if (this.closing) return;
    this.hub.pushData(this.timeline.position, payload);
  }

  private countCorrection(track: 'audio' | 'video', correction: TimestampCorrection, received: number, forwarded: number): void {
    this.deps.metrics.timestampCorrections.inc({ track, correction });
    const seen = this.corrections.get(correction) ?? 0;
    this.corrections.set(correction, seen + 1);
    // The first of each kind is worth a line; a publisher that jumps every frame must not flood the log.
    if (seen === 0) this.log.warn({ track, correction, received, forwarded }, 'publisher timestamps corrected (a discontinuity)');
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

  /**
   * Gives the claim back without a trace: for a publish accepted in a
   * handshake whose connection never came up (SRT: a wrong passphrase, a
   * caller that gave up). Nothing began, so no started/ended events are sent.
   * A session that has begun or is ending is left to end().
   */
  async withdraw(): Promise<void> {
    if (this.closing || this.statsTimer) return;
    this.closing = true;
    this.endReason = 'publisher_closed';
    this.ending = (async () => {
      this.hub.close('stream ended');
      if (!this.deps.relay) await this.presence.release();
      this.log.info('publish withdrawn: the accepted connection never came up');
    })().finally(() => this.resolveEnded());
    await this.ending;
  }

  viewerCounts(): Partial<Record<PlaybackProtocol, number>> {
    const { viewers } = this.hub.stats();
    const out: Partial<Record<PlaybackProtocol, number>> = {};
    for (const protocol of INGEST_PLAYBACK_PROTOCOLS) out[protocol] = viewers[protocol] ?? 0;
    return out;
  }

  private liveState(bitrateKbps = 0): LiveStreamState {
    return {
      streamId: this.streamId,
      sessionId: this.sessionId,
      node: this.deps.node,
      pullUrl: this.pullUrl,
      pullUrlTs: this.pullUrlTs,
      protocol: this.publisher.protocol,
      private: this.grant.private,
      startedAt: this.startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      media: this.probe.mediaInfo as MediaInfo,
      bitrateKbps,
      viewers: this.viewerCounts(),
      ...(this.link ? { link: this.link } : {}),
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
    if ((await this.presence.refresh(state, () => !this.closing)) !== 'lost') return;
    this.publisher.close('stream taken over');
    void this.end('takeover');
  }

  private announceStarted(evenIfEnding = false): void {
    if (this.started || (this.closing && !evenIfEnding)) return;
    if (this.codecTimer) clearTimeout(this.codecTimer);
    // In the authorization's trace, so the transcode job that consumes stream.started joins it.
    const traceContext = this.grant.traceContext ?? context.active();
    // The publish decision travels on with the stream: transcode reads it here and does not ask again.
    const settings = { private: this.grant.private, record: this.grant.record, ...(this.grant.ladder ? { ladder: this.grant.ladder } : {}) };
    this.started = context.with(traceContext, () => this.presence.announceStarted(this.probe.mediaInfo as MediaInfo, settings)).then(() => undefined);
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
    await this.presence.release();
    const endedAt = new Date();
    await this.presence.announceEnded(reason, endedAt, this.probe.bytesIn);
    const stats = this.hub.stats();
    this.log.info(
      {
        reason,
        durationMs: endedAt.getTime() - this.startedAt.getTime(),
        bytesIn: this.probe.bytesIn,
        bytesOut: stats.bytesOut,
        droppedFrames: stats.droppedFrames,
        ...(this.corrections.size > 0 ? { timestampCorrections: Object.fromEntries(this.corrections) } : {}),
      },
      'publish ended',
    );
  }

  get reason(): StreamEndReason | undefined {
    return this.endReason;
  }
}
