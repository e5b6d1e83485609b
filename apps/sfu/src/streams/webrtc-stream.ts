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

  /** Announces the stream and starts the live-state refresh; call once the answer went out. */
  async begin(): Promise<void> {
    this.publisher.once('closed', () => void this.end('publisher_closed'));
    this.statsTimer = setInterval(() => void this.refresh(), this.deps.statsIntervalMs);
    this.statsTimer.unref();
    await this.presence.announceStarted(this.mediaInfo());
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
    for (const viewer of this.viewers.values()) viewer.peer.close();
    this.publisher.close();
    this.router.close();
    await this.presence.release();
    const endedAt = new Date();
    await this.presence.announceEnded(reason, endedAt, this.lastBytesIn);
    this.log.info({ reason, durationMs: endedAt.getTime() - this.startedAt.getTime(), bytesIn: this.lastBytesIn }, 'publish ended');
  }
}
