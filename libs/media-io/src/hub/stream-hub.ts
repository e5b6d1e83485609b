import { DirectSends, type DirectSender } from './direct-send';
import { GopCache } from './gop-cache';
import { encodedFrame } from './hub-encoder';
import { createHubFrame, enhancedFourCc, retimeHubFrame, type HubFrame } from './hub-frame';
import { HubViewer, type HubViewerInit } from './hub-viewer';
import { LiveBatchPool, type LiveBatchSet, type SharedBatch } from './live-batches';

export interface StreamHubOptions {
  /** Bytes a viewer's transport may hold unsent before the viewer skips forward to the next keyframe. */
  maxViewerQueueBytes: number;
  /** A viewer that has been behind this long is disconnected. */
  viewerStallTimeoutMs: number;
  /** Bound of the GOP cache (payload bytes of the current GOP). */
  gopCacheMaxBytes: number;
  /**
   * How long an audio or data frame may wait for the next video frame, so
   * that it rides in the same write. Video frames are written on the next
   * event-loop turn, together with whatever waits. The fan-out's cost is
   * mostly one write syscall per viewer per batch, so one batch per video
   * frame instead of one per message (~30 instead of ~77 a second for
   * 30 fps video with 48 kHz AAC) cuts the CPU per viewer while adding no
   * delay to video. 0: every frame is written on the next turn. Internal
   * pulls (not counted: the SFU's WebRTC bridge, transcode) are never held:
   * there are few of them, and a bridge's audio held up to a video frame
   * interval arrives in bursts, which a browser's audio jitter buffer and
   * then its lip sync turn into delay for the picture.
   */
  flushIntervalMs?: number;
  /**
   * Sends each live batch to the up-to-date viewers whose sinks allow it
   * (HubSink.directFd) with one native call per batch instead of a write per
   * viewer (loadDirectSender; undefined: every viewer is written through).
   */
  directSender?: DirectSender;
  /** After a flush with direct sends: viewers whose socket took the batch whole, and viewers given (part of) it through their sink. */
  onDirectSends?: (whole: number, passedOn: number) => void;
  /** Called with the number of frames a viewer just skipped. */
  onViewerDrop?: (viewer: HubViewer, frames: number) => void;
  /** Called when a viewer is disconnected for staying behind. */
  onViewerStalled?: (viewer: HubViewer) => void;
  /** Called after a viewer left (removed, or dropped for staying behind), not when the hub closes. */
  onViewerRemoved?: (viewer: HubViewer) => void;
  now?: () => number;
}

/** What the tags of a stream's tracks are, for players that must have announced E-RTMP codecs. */
export interface StreamHubTracks {
  /** True once any audio or video frame arrived (before that the codecs are unknown). */
  mediaSeen: boolean;
  /** E-RTMP FourCC of the latest video tag; undefined when it was a legacy FLV tag or there is no video. */
  videoFourCc?: string;
  /** E-RTMP FourCC of the latest audio tag; undefined when it was a legacy FLV tag or there is no audio. */
  audioFourCc?: string;
}

export interface StreamHubStats {
  /** Counted viewers per protocol (internal pulls excluded). */
  viewers: Record<string, number>;
  /** Internal pulls currently attached. */
  internal: number;
  bytesOut: number;
  droppedFrames: number;
  stalledViewers: number;
}

/**
 * Fan-out of one live stream: the publisher pushes frames, every viewer gets
 * them in its format, each format encoded once per frame. New viewers start
 * from the GOP cache (decoder configurations, then the current GOP), so the
 * first frame they receive is decodable. Each viewer's queue is bounded: a
 * viewer that cannot keep up skips forward to the next keyframe (counted)
 * and is disconnected if it stays behind; the publisher and other viewers
 * never wait for it, and memory stays bounded by viewers × queue bound.
 *
 * Timestamps pass through unchanged (so every viewer of a format shares the
 * same bytes); the configurations a viewer gets at join are re-timed to its
 * first GOP frame so its timeline starts without a jump.
 */
export class StreamHub {
  private readonly cache: GopCache;
  private readonly viewers = new Map<string, HubViewer>();
  private pending: HubFrame[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushImmediate?: NodeJS.Immediate;
  private internalImmediate?: NodeJS.Immediate;
  /** Viewers not counted (internal pulls): served on the next turn, whatever the flush interval. */
  private readonly internal = new Set<HubViewer>();
  private readonly batchPool = new LiveBatchPool();
  private readonly directSends?: DirectSends;
  private seq = 0;
  private lastTimestamp = 0;
  private closed = false;
  private bytesOut = 0;
  private droppedFrames = 0;
  private stalledViewers = 0;
  private readonly now: () => number;
  private readonly trackInfo: StreamHubTracks = { mediaSeen: false };

  constructor(private readonly options: StreamHubOptions) {
    this.cache = new GopCache({ maxBytes: options.gopCacheMaxBytes });
    this.now = options.now ?? Date.now;
    if (options.directSender) this.directSends = new DirectSends(options.directSender);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** The newest keyframe and its decoder configuration (for snapshots). */
  latestKeyframe(): { config: HubFrame | undefined; keyframe: HubFrame } | undefined {
    return this.cache.latestKeyframe();
  }

  stats(): StreamHubStats {
    const viewers: Record<string, number> = {};
    let internal = 0;
    for (const v of this.viewers.values()) {
      if (v.counted) viewers[v.protocol] = (viewers[v.protocol] ?? 0) + 1;
      else internal += 1;
    }
    return { viewers, internal, bytesOut: this.bytesOut, droppedFrames: this.droppedFrames, stalledViewers: this.stalledViewers };
  }

  /** Whether the stream's tags are E-RTMP (and with which FourCC), as of the latest frame of each kind. */
  get tracks(): Readonly<StreamHubTracks> {
    return this.trackInfo;
  }

  /** An audio or video message from the publisher (FLV tag body). */
  pushMedia(kind: 'audio' | 'video', timestamp: number, payload: Buffer): HubFrame | undefined {
    this.trackInfo.mediaSeen = true;
    if (kind === 'video') this.trackInfo.videoFourCc = enhancedFourCc(kind, payload);
    else this.trackInfo.audioFourCc = enhancedFourCc(kind, payload);
    return this.push(createHubFrame(kind, timestamp, payload));
  }

  /** onMetaData (AMF0 "onMetaData" + value, i.e. an FLV script tag body): sent to viewers and replayed at join. */
  pushMetadata(timestamp: number, payload: Buffer): HubFrame | undefined {
    const frame = this.push(createHubFrame('script', timestamp, payload));
    if (frame) this.cache.setMetadata(frame);
    return frame;
  }

  /** Other script data (onTextData, onCuePoint): passed to live viewers, not cached. */
  pushData(timestamp: number, payload: Buffer): HubFrame | undefined {
    return this.push(createHubFrame('script', timestamp, payload));
  }

  private push(frame: HubFrame): HubFrame | undefined {
    if (this.closed) return undefined;
    frame.seq = ++this.seq;
    this.lastTimestamp = frame.timestamp;
    this.cache.push(frame);
    if (this.viewers.size === 0) return frame;
    this.pending.push(frame);
    this.scheduleFlush(frame.kind === 'video');
    return frame;
  }

  /**
   * Attaches a viewer and writes its start at once: the format's preamble,
   * metadata, decoder configurations and the cached GOP.
   */
  addViewer(init: HubViewerInit): HubViewer {
    if (this.closed) throw new Error('stream hub is closed');
    if (this.viewers.has(init.id)) throw new Error(`viewer ${init.id} is already attached`);
    const viewer = new HubViewer(init, this.now());
    const { metadata, videoConfig, audioConfig, gop } = this.cache.contents();
    const hasVideo = this.cache.hasVideo || videoConfig !== undefined;
    // Audio without a sequence header (MP3, E-RTMP AC-3 / E-AC-3) is audio all the same: a header without the flag makes
    // players and FFmpeg's readers of the pull leave it out.
    const hasAudio = this.cache.hasAudio || audioConfig !== undefined;
    const known = hasVideo || hasAudio;
    // Before the first media frame nothing is known: announce both tracks, as players then wait for either.
    const tracks = known ? { audio: hasAudio, video: hasVideo } : { audio: true, video: true };
    const start = gop[0]?.timestamp ?? this.lastTimestamp;
    const parts: Buffer[] = [];
    const preamble = init.encoder.preamble(tracks);
    if (preamble) parts.push(preamble);
    // onMetaData goes at 0: FFmpeg's FLV reader turns a metadata tag with a later timestamp into a data stream.
    if (metadata) parts.push(init.encoder.encode(retimeHubFrame(metadata, 0)));
    for (const header of [videoConfig, audioConfig]) {
      if (header) parts.push(init.encoder.encode(retimeHubFrame(header, start)));
    }
    for (const frame of gop) parts.push(encodedFrame(frame, init.encoder));
    viewer.lastSeq = this.seq;
    // With video but no usable GOP, the viewer's first frame must be the next keyframe.
    viewer.state = hasVideo && gop.length === 0 ? 'waiting' : 'live';
    this.viewers.set(viewer.id, viewer);
    if (!viewer.counted) this.internal.add(viewer);
    // No concatenation: the GOP's encoded frames are shared by every viewer that joins during it.
    this.bytesOut += viewer.write(parts.length === 1 ? (parts[0] as Buffer) : parts);
    return viewer;
  }

  /** Detaches a viewer (its transport closed). Idempotent. */
  removeViewer(id: string): void {
    const viewer = this.viewers.get(id);
    if (!viewer) return;
    viewer.closed = true;
    this.viewers.delete(id);
    this.internal.delete(viewer);
    this.options.onViewerRemoved?.(viewer);
  }

  /** Ends the stream for every viewer. */
  close(reason: string): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.pending = [];
    this.internal.clear();
    for (const viewer of [...this.viewers.values()]) {
      this.viewers.delete(viewer.id);
      viewer.closed = true;
      viewer.sink.close(reason);
    }
  }

  private scheduleFlush(video: boolean): void {
    if (this.flushImmediate) return;
    const interval = this.options.flushIntervalMs ?? 0;
    if (video || interval === 0) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.flushImmediate = setImmediate(() => this.flush());
    } else {
      this.flushTimer ??= setTimeout(() => this.flush(), interval);
      if (this.internal.size > 0) this.internalImmediate ??= setImmediate(() => this.flushInternal());
    }
  }

  /** Writes pending frames to internal pulls only; counted viewers get them with the batch. */
  private flushInternal(): void {
    this.internalImmediate = undefined;
    if (this.pending.length === 0) return;
    const batches = this.batchPool.begin(false);
    const now = this.now();
    for (const viewer of [...this.internal]) if (!viewer.closed) this.deliverUnsent(viewer, this.pending, batches, now);
  }

  /** Writes pending frames to every viewer. Public for tests and for an orderly close. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.flushImmediate) clearImmediate(this.flushImmediate);
    if (this.internalImmediate) clearImmediate(this.internalImmediate);
    this.flushTimer = undefined;
    this.flushImmediate = undefined;
    this.internalImmediate = undefined;
    const frames = this.pending;
    if (frames.length === 0) return;
    this.pending = [];
    const batches = this.batchPool.begin(true);
    const now = this.now();
    const direct = this.directSends;
    for (const viewer of [...this.viewers.values()]) {
      if (viewer.closed) continue;
      if (direct && this.queueDirect(viewer, frames, batches, direct)) continue;
      this.deliverUnsent(viewer, frames, batches, now);
    }
    if (direct?.pending) {
      let whole = 0;
      let passedOn = 0;
      direct.send((viewer, batch, taken) => {
        if (this.settleDirect(viewer, batch, taken, batches)) whole += 1;
        else passedOn += 1;
      });
      this.options.onDirectSends?.(whole, passedOn);
    }
    batches.end();
  }

  /**
   * An up-to-date viewer whose sink has an idle socket gets the shared batch
   * with the flush's direct sends (false: deliver it the usual way).
   */
  private queueDirect(viewer: HubViewer, frames: HubFrame[], batches: LiveBatchSet, direct: DirectSends): boolean {
    if (viewer.state !== 'live' || (frames[0] as HubFrame).seq <= viewer.lastSeq || viewer.sink.directFd === undefined) return false;
    const fd = viewer.sink.directFd();
    if (fd < 0) return false;
    const batch = batches.get(frames, viewer.encoder);
    if (batch.bytes.length > this.options.maxViewerQueueBytes) return false;
    viewer.lastSeq = (frames[frames.length - 1] as HubFrame).seq;
    direct.add(batch, viewer, fd);
    return true;
  }

  /**
   * What the socket did not take goes through the sink, which queues it, or
   * meets the socket's error and closes. True when the socket took it whole.
   */
  private settleDirect(viewer: HubViewer, batch: SharedBatch, taken: number, batches: LiveBatchSet): boolean {
    const length = batch.bytes.length;
    const sent = taken > 0 ? Math.min(taken, length) : 0;
    if (sent > 0) {
      viewer.bytesSent += sent;
      this.bytesOut += sent;
      viewer.sink.sentDirectly?.(sent);
    }
    if (sent < length) this.send(viewer, sent === 0 ? batch.bytes : batch.bytes.subarray(sent));
    batches.sent(batch, viewer.sink);
    return sent === length;
  }

  /** Delivers the frames a viewer has not been given yet (an internal pull may have had the first of them already). */
  private deliverUnsent(viewer: HubViewer, frames: HubFrame[], batches: LiveBatchSet, now: number): void {
    if ((frames[0] as HubFrame).seq > viewer.lastSeq) {
      this.deliver(viewer, frames, batches, now);
      return;
    }
    const unsent = frames.filter((frame) => frame.seq > viewer.lastSeq);
    if (unsent.length > 0) this.deliver(viewer, unsent, this.batchPool.begin(false), now);
  }

  private deliver(viewer: HubViewer, frames: HubFrame[], batches: LiveBatchSet, now: number): void {
    const max = this.options.maxViewerQueueBytes;
    // Fast path: an up-to-date viewer with room gets the batch every viewer of its format shares.
    if (viewer.state === 'live' && (frames[0] as HubFrame).seq > viewer.lastSeq) {
      const batch = batches.get(frames, viewer.encoder);
      if (viewer.sink.bufferedBytes + batch.bytes.length <= max) {
        viewer.lastSeq = (frames[frames.length - 1] as HubFrame).seq;
        this.send(viewer, batch.bytes);
        batches.sent(batch, viewer.sink);
        return;
      }
    }
    this.deliverEach(viewer, frames, now);
  }

  /** Frame-by-frame decisions for a viewer that is behind, waiting, or about to overflow. */
  private deliverEach(viewer: HubViewer, frames: HubFrame[], now: number): void {
    const max = this.options.maxViewerQueueBytes;
    const parts: Buffer[] = [];
    let queued = viewer.sink.bufferedBytes;
    let dropped = 0;
    for (const frame of frames) {
      if (frame.seq <= viewer.lastSeq) continue;
      viewer.lastSeq = frame.seq;
      const bytes = encodedFrame(frame, viewer.encoder);
      // Decoder configurations and metadata are tiny and a later keyframe is undecodable without them.
      if (frame.sequenceHeader || frame.kind === 'script') {
        parts.push(bytes);
        queued += bytes.length;
        continue;
      }
      if (viewer.state === 'live') {
        if (queued + bytes.length <= max) {
          parts.push(bytes);
          queued += bytes.length;
          continue;
        }
        viewer.state = 'behind';
        viewer.behindSince = now;
        dropped += 1;
        continue;
      }
      const syncPoint = frame.kind === 'video' ? frame.keyframe : !this.cache.hasVideo;
      if (syncPoint && queued + bytes.length <= max / 2 + bytes.length) {
        viewer.state = 'live';
        parts.push(bytes);
        queued += bytes.length;
        continue;
      }
      if (viewer.state === 'behind') dropped += 1;
    }
    if (parts.length > 0) this.send(viewer, parts.length === 1 ? (parts[0] as Buffer) : parts);
    if (dropped > 0) {
      viewer.droppedFrames += dropped;
      this.droppedFrames += dropped;
      this.options.onViewerDrop?.(viewer, dropped);
    }
    if (viewer.state === 'behind' && now - viewer.behindSince >= this.options.viewerStallTimeoutMs) {
      this.stalledViewers += 1;
      this.viewers.delete(viewer.id);
      this.internal.delete(viewer);
      viewer.closed = true;
      this.options.onViewerStalled?.(viewer);
      viewer.sink.close('viewer too slow');
      this.options.onViewerRemoved?.(viewer);
    }
  }

  private send(viewer: HubViewer, data: Buffer | readonly Buffer[]): void {
    this.bytesOut += viewer.write(data);
  }
}
