import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, FLV_TAG_VIDEO, FlvDemuxer } from '@mediaplane/codecs';
import { PublisherTimeline, StreamHub, type StreamHubOptions } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { pullUrlWithTicket, type LiveStreamState, type LiveStreamStore } from '@mediaplane/sessions';
import type { IngestMetrics } from '../observability/ingest-metrics';

export interface RelayPullOptions {
  streamId: string;
  /** This node's instance id: a live state naming it is never pulled (no pulling from ourselves). */
  node: string;
  liveStore: LiveStreamStore;
  playbackSecret: string;
  hub: StreamHubOptions;
  /** Time the pull stays open after its last viewer left. */
  lingerMs: number;
  /** How long a broken pull keeps trying to reconnect while the stream is live before it gives up. */
  reconnectMs: number;
  /** A pull that receives nothing this long is broken (and reconnected). */
  idleTimeoutMs: number;
  /** Largest FLV tag accepted from the origin. */
  maxTagBytes: number;
  logger: Logger;
  metrics: IngestMetrics;
  onClosed: (pull: RelayPull) => void;
}

type PullOutcome = { kind: 'ended'; media: boolean } | { kind: 'refused'; status: number } | { kind: 'failed'; error: Error; media: boolean };

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

/**
 * One stream published on another ingest node, pulled once to this node for
 * its own viewers ("play from any node"): an internal HTTP-FLV pull from the
 * origin named in the live state (a single-use pull ticket, so the origin
 * serves it like a transcode pull and does not count it as a viewer), the
 * tags demuxed into a local StreamHub, and every local RTMP, HTTP-FLV and
 * WS-FLV viewer fed from that hub with its GOP cache, queues and encodings,
 * exactly as on the origin.
 *
 * A break while the stream is still live (origin node gone, the publisher
 * taken over on another node, a network blip) is answered by looking the
 * live state up again and pulling from whichever node holds the stream now,
 * for up to `reconnectMs`; the tracks stay continuous through a
 * PublisherTimeline. When the live state says the stream is over, the hub
 * closes and the viewers see the end (RTMP unpublish/close, the HTTP-FLV
 * response ends). The pull closes `lingerMs` after its last viewer left.
 */
export class RelayPull {
  readonly hub: StreamHub;
  private readonly timeline: PublisherTimeline;
  private readonly log: Logger;
  private closed = false;
  private request?: ClientRequest;
  private lingerTimer?: NodeJS.Timeout;
  private resolveReady: (ok: boolean) => void = () => undefined;
  /** Settles true once the origin answered with the stream, false if the pull closed before. */
  readonly ready = new Promise<boolean>((resolve) => (this.resolveReady = resolve));
  /** Whether the stream is private (from the live state): local viewers need a token as on the origin. */
  private origin: LiveStreamState;

  constructor(
    initial: LiveStreamState,
    private readonly options: RelayPullOptions,
  ) {
    this.origin = initial;
    this.log = options.logger.child({ streamId: options.streamId, relay: true });
    this.hub = new StreamHub({
      ...options.hub,
      onViewerRemoved: (viewer) => {
        options.hub.onViewerRemoved?.(viewer);
        this.checkIdle();
      },
    });
    // The origin's timestamps are already sane; this keeps them continuous across reconnects (another origin, a replayed GOP).
    this.timeline = new PublisherTimeline({ jumpThresholdMs: 2000 });
  }

  get streamId(): string {
    return this.options.streamId;
  }

  get isPrivate(): boolean {
    return this.origin.private;
  }

  get isEnded(): boolean {
    return this.closed;
  }

  /** Node currently pulled from. */
  get originNode(): string {
    return this.origin.node;
  }

  start(): void {
    void this.run().catch((error: unknown) => {
      this.log.error({ err: error }, 'relay pull failed');
      this.close('relay failed');
    });
    // A pull nobody attaches to (the first viewer went away while it connected) still goes away.
    this.checkIdle();
  }

  /** A viewer is about to attach: the linger, if running, is cancelled. */
  viewerJoining(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  /** Starts the linger when no viewer is left. */
  checkIdle(): void {
    if (this.closed || this.hub.viewerCount > 0 || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.hub.viewerCount === 0) this.close('no viewers left');
    }, this.options.lingerMs);
    this.lingerTimer.unref();
  }

  /** Ends the relay: the origin connection is dropped and local viewers see the end of the stream. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.request?.destroy();
    this.hub.close(reason === 'stream ended' ? 'stream ended' : `stream ended: ${reason}`);
    this.resolveReady(false);
    this.log.info({ reason, origin: this.origin.node }, 'relay pull closed');
    this.options.onClosed(this);
  }

  private async run(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    let brokenSince: number | undefined;
    let state: LiveStreamState | undefined = this.origin;
    while (!this.closed) {
      if (!state || state.node === this.options.node || !state.pullUrl) {
        // Over (no live state), or now held by this very node (its viewers are served locally from now on).
        this.close('stream ended');
        return;
      }
      if (state.sessionId !== this.origin.sessionId) this.log.info({ from: this.origin.node, to: state.node }, 'relay follows the stream to its new origin');
      this.origin = state;
      const outcome = await this.pullOnce(state);
      if (this.closed) return;
      const flowed = outcome.kind !== 'refused' && outcome.media;
      if (flowed) {
        brokenSince = undefined;
        retryMs = FIRST_RETRY_MS;
      }
      brokenSince ??= Date.now();
      if (Date.now() - brokenSince > this.options.reconnectMs) {
        this.close('origin unreachable');
        return;
      }
      this.log.info(
        { outcome: outcome.kind, ...(outcome.kind === 'refused' ? { status: outcome.status } : {}), ...(outcome.kind === 'failed' ? { err: outcome.error } : {}) },
        'relay pull broke; looking the stream up again',
      );
      // Ended at the origin and still in the live state: the origin releases it right after closing its viewers.
      if (!flowed) await sleep(retryMs);
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
      state = await this.options.liveStore.get(this.streamId);
      if (state && !this.closed) this.options.metrics.relayReconnects.inc({ reason: outcome.kind });
    }
  }

  /** One HTTP-FLV pull from the origin, until it ends or breaks. */
  private pullOnce(state: LiveStreamState): Promise<PullOutcome> {
    return new Promise<PullOutcome>((resolve) => {
      let media = false;
      let settled = false;
      const finish = (outcome: PullOutcome): void => {
        if (settled) return;
        settled = true;
        this.request = undefined;
        resolve(outcome);
      };
      const url = pullUrlWithTicket(state.pullUrl as string, this.options.playbackSecret, this.streamId);
      const req = httpRequest(url, { method: 'GET', headers: { accept: 'video/x-flv' }, agent: false });
      this.request = req;
      req.setTimeout(this.options.idleTimeoutMs, () => req.destroy(new Error(`no data from the origin for ${this.options.idleTimeoutMs} ms`)));
      req.on('error', (error) => finish({ kind: 'failed', error, media }));
      req.on('response', (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          finish({ kind: 'refused', status: res.statusCode ?? 0 });
          return;
        }
        const demuxer = new FlvDemuxer({ maxTagSize: this.options.maxTagBytes });
        res.on('data', (chunk: Buffer) => {
          if (this.closed) return;
          this.options.metrics.addBytesIn('relay', chunk.length);
          try {
            for (const tag of demuxer.push(chunk)) {
              if (this.onTag(tag.type, tag.timestamp, tag.data)) media = true;
            }
          } catch (error) {
            // A broken FLV stream from the origin: drop this pull; the loop opens a new one.
            req.destroy(error as Error);
            return;
          }
          if (media) this.resolveReady(true);
        });
        res.on('end', () => finish({ kind: 'ended', media }));
        res.on('error', (error) => finish({ kind: 'failed', error, media }));
        res.on('close', () => finish({ kind: 'ended', media }));
      });
      req.end();
    });
  }

  /** Feeds one origin tag into the hub; true for audio or video. */
  private onTag(type: number, timestamp: number, data: Buffer): boolean {
    // Tag bodies may view the demuxer's shared blocks; the hub keeps frames (GOP cache), so each gets its own copy.
    const payload = Buffer.from(data);
    if (type === FLV_TAG_AUDIO || type === FLV_TAG_VIDEO) {
      const kind = type === FLV_TAG_AUDIO ? 'audio' : 'video';
      this.hub.pushMedia(kind, this.timeline.retime(kind, timestamp, payload).timestamp, payload);
      return true;
    }
    if (type === FLV_TAG_SCRIPT) {
      if (isOnMetaData(payload)) this.hub.pushMetadata(this.timeline.position, payload);
      else this.hub.pushData(this.timeline.position, payload);
    }
    return false;
  }
}

const ON_METADATA = Buffer.from('onMetaData');

/** An FLV script tag whose name (the first AMF0 value, a string) is onMetaData. */
export function isOnMetaData(payload: Buffer): boolean {
  return payload.length >= 3 + ON_METADATA.length && payload[0] === 0x02 && payload.readUInt16BE(1) === ON_METADATA.length && payload.subarray(3, 3 + ON_METADATA.length).equals(ON_METADATA);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
