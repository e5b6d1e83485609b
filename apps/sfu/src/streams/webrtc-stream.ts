import { randomUUID } from 'node:crypto';
import type { MediaInfo } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';
import { LiveStreamPresence, type StreamEndReason } from '@mediaplane/service-kit';
import type { RtcPeer, RtcProducer, RtcRouter } from '../engine/rtc-engine';
import type { WhipGrant } from '../whip/whip-authorizer.service';

export type { StreamEndReason } from '@mediaplane/service-kit';

export interface WebrtcStreamDeps {
  bus: Bus;
  store: LiveStreamStore;
  logger: Logger;
  /** This instance's id (LiveStreamState.node). */
  node: string;
  statsIntervalMs: number;
  /** How long a bridged stream waits for its relay to reach the ingest before announcing itself without a pull URL. */
  announceWaitMs: number;
}

/** The stream's relay into an ingest node (bridge/ingest-bridge.ts). */
export interface StreamRelay {
  stop(): Promise<void>;
}

/** A WHEP viewer of the stream: its peer and when it joined. */
export interface StreamViewer {
  id: string;
  peer: RtcPeer;
}

const CODEC_NAMES: Record<string, string> = { 'video/H264': 'h264', 'video/VP8': 'vp8', 'audio/opus': 'opus' };

/**
 * One stream published over WHIP on this node: its router, the publisher's
 * peer and producers, its WHEP viewers, its cluster-wide live-state entry
 * (claimed once, refreshed, released) and its started/ended events. Ends
 * exactly once, with a reason, whoever ends it.
 */
export class WebrtcStream {
  readonly sessionId = randomUUID();
  readonly startedAt = new Date();
  readonly viewers = new Map<string, StreamViewer>();
  private statsTimer?: NodeJS.Timeout;
  private ending?: Promise<void>;
  private lastBytesIn = 0;
  private lastSampleAt = Date.now();
  /** What the publisher sends, measured over the last stats interval. */
  bitrateKbps = 0;
  private readonly log: Logger;
  private readonly presence: LiveStreamPresence;
  private relay?: StreamRelay;
  /** Where the ingest serves the relayed stream over HTTP-FLV (the live state's pullUrl), once the relay flows. */
  private pullUrl?: string;
  private announced?: Promise<void>;
  private pullUrlWritten: () => void = () => undefined;
  private readonly firstPullUrl = new Promise<void>((resolve) => (this.pullUrlWritten = resolve));

  constructor(
    readonly grant: WhipGrant,
    readonly router: RtcRouter,
    readonly publisher: RtcPeer,
    readonly producers: readonly RtcProducer[],
    private readonly deps: WebrtcStreamDeps,
  ) {
    this.log = deps.logger.child({ streamId: grant.streamId, sessionId: this.sessionId, protocol: 'whip' });
    this.presence = new LiveStreamPresence(
      { streamId: grant.streamId, sessionId: this.sessionId, protocol: 'whip', startedAt: this.startedAt },
      { bus: deps.bus, store: deps.store, node: deps.node, ttlMs: deps.statsIntervalMs * 3, logger: this.log },
    );
  }

  get streamId(): string {
    return this.grant.streamId;
  }

  get isEnded(): boolean {
    return this.ending !== undefined;
  }

  /** Takes the stream cluster-wide (Redis SET NX); false when another publisher (any protocol, any node) holds it. */
  claim(): Promise<boolean> {
    return this.presence.claim(this.liveState(), this.grant.takeover);
  }

  /** The relay into the ingest; call before begin() so stream.started waits for it. */
  attachRelay(relay: StreamRelay): void {
    this.relay = relay;
  }

  /** The relay reached an ingest (again): the live state points pulls (transcode, edge, snapshots) there. */
  async setPullUrl(pullUrl: string): Promise<void> {
    this.pullUrl = pullUrl;
    await this.refresh();
    this.pullUrlWritten();
  }

  /**
   * Starts the live-state refresh and announces the stream. A relayed stream
   * announces once its pull URL is in the live state (transcode pulls from it
   * as soon as it hears stream.started), or after announceWaitMs without one;
   * that wait runs in the background so the WHIP answer is not held up.
   */
  async begin(): Promise<void> {
    this.publisher.once('closed', () => void this.end('publisher_closed'));
    this.statsTimer = setInterval(() => void this.refresh(), this.deps.statsIntervalMs);
    this.statsTimer.unref();
    this.announced = this.announce();
    if (!this.relay) await this.announced;
  }

  private async announce(): Promise<void> {
    if (this.relay) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.announceWaitMs)));
      await Promise.race([this.firstPullUrl, timeout]);
      clearTimeout(timer);
      if (!this.pullUrl) this.log.warn({ waitedMs: this.deps.announceWaitMs }, 'the ingest relay is not flowing yet; announcing without a pull URL');
    }
    // The publish decision travels on with the stream: transcode reads it here and does not ask again.
    const settings = { private: this.grant.private, record: this.grant.record, ...(this.grant.ladder ? { ladder: this.grant.ladder } : {}) };
    await this.presence.announceStarted(this.mediaInfo(), settings);
  }

  addViewer(peer: RtcPeer): StreamViewer {
    const viewer = { id: randomUUID(), peer };
    this.viewers.set(viewer.id, viewer);
    peer.once('closed', () => this.viewers.delete(viewer.id));
    return viewer;
  }

  /** Ends the stream once: closes viewers, the publisher and the router, releases the live state, sends streamEnded. */
  end(reason: StreamEndReason): Promise<void> {
    this.ending ??= Promise.resolve()
      .then(() => this.finish(reason))
      .catch((error: unknown) => this.log.error({ err: error }, 'stream end failed'));
    return this.ending;
  }

  mediaInfo(): MediaInfo {
    const video = this.producers.find((p) => p.kind === 'video');
    const audio = this.producers.find((p) => p.kind === 'audio');
    return {
      ...(video ? { video: { codec: CODEC_NAMES[video.mimeType] ?? video.mimeType } } : {}),
      ...(audio ? { audio: { codec: CODEC_NAMES[audio.mimeType] ?? audio.mimeType, sampleRate: 48000, channels: 2 } } : {}),
    };
  }

  private liveState(): LiveStreamState {
    return {
      streamId: this.streamId,
      sessionId: this.sessionId,
      node: this.deps.node,
      ...(this.pullUrl ? { pullUrl: this.pullUrl } : {}),
      protocol: 'whip',
      private: this.grant.private,
      startedAt: this.startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      media: this.mediaInfo(),
      bitrateKbps: this.bitrateKbps,
      viewers: { whep: this.viewers.size },
    };
  }

  private async sampleBitrate(): Promise<void> {
    const stats = await this.publisher.stats().catch(() => undefined);
    if (!stats) return;
    const now = Date.now();
    const seconds = (now - this.lastSampleAt) / 1000;
    if (seconds > 0) this.bitrateKbps = Math.max(0, Math.round(((stats.bytesReceived - this.lastBytesIn) * 8) / seconds / 1000));
    this.lastBytesIn = stats.bytesReceived;
    this.lastSampleAt = now;
  }

  private async refresh(): Promise<void> {
    if (this.isEnded) return;
    await this.sampleBitrate();
    if ((await this.presence.refresh(this.liveState(), () => !this.isEnded)) === 'lost') void this.end('takeover');
  }

  private async finish(reason: StreamEndReason): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.relay?.stop().catch((error: unknown) => this.log.warn({ err: error }, 'ingest relay not stopped cleanly'));
    for (const viewer of this.viewers.values()) viewer.peer.close();
    this.publisher.close();
    this.router.close();
    // Consumers see started before ended, even when the stream ends while the relay is still being awaited.
    this.pullUrlWritten();
    await this.announced;
    await this.presence.release();
    const endedAt = new Date();
    await this.presence.announceEnded(reason, endedAt, this.lastBytesIn);
    this.log.info({ reason, durationMs: endedAt.getTime() - this.startedAt.getTime(), bytesIn: this.lastBytesIn }, 'publish ended');
  }
}
