import type { HubFrame } from './hub-frame';

export interface GopCacheOptions {
  /** Bytes of payload the current GOP may hold; a longer GOP is not cached (viewers wait for the next keyframe). */
  maxBytes: number;
}

/** What a viewer needs to start decoding at once: stream metadata, decoder configurations, the current GOP. */
export interface GopCacheContents {
  metadata?: HubFrame;
  videoConfig?: HubFrame;
  audioConfig?: HubFrame;
  /** From the latest keyframe up to the newest frame, audio interleaved; empty when there is no usable GOP. */
  gop: readonly HubFrame[];
}

/**
 * Keeps the latest decoder configurations and the frames since the latest
 * keyframe, so a viewer joining mid-stream gets a decodable first frame
 * without waiting for the next keyframe. Bounded by `maxBytes`: a GOP that
 * grows past it is dropped whole (a partial GOP is useless to a decoder).
 */
export class GopCache {
  private metadata?: HubFrame;
  private videoConfig?: HubFrame;
  private audioConfig?: HubFrame;
  private gop: HubFrame[] = [];
  private gopBytes = 0;
  private keyframe?: HubFrame;
  private sawVideo = false;
  private sawAudio = false;

  constructor(private readonly options: GopCacheOptions) {}

  /** True once the stream has shown a video track (then only video keyframes start a GOP). */
  get hasVideo(): boolean {
    return this.sawVideo;
  }

  /** True once the stream has shown an audio track: a sequence header, or frames of a codec that has none (MP3, AC-3, ...). */
  get hasAudio(): boolean {
    return this.sawAudio;
  }

  /** Bytes held by the current GOP (payloads only). */
  get bytes(): number {
    return this.gopBytes;
  }

  /** The newest video keyframe with its configuration, for snapshots (kept even when the GOP overflowed). */
  latestKeyframe(): { config: HubFrame | undefined; keyframe: HubFrame } | undefined {
    return this.keyframe ? { config: this.videoConfig, keyframe: this.keyframe } : undefined;
  }

  contents(): GopCacheContents {
    return { metadata: this.metadata, videoConfig: this.videoConfig, audioConfig: this.audioConfig, gop: this.gop };
  }

  setMetadata(frame: HubFrame): void {
    this.metadata = frame;
  }

  push(frame: HubFrame): void {
    if (frame.kind === 'script') return;
    if (frame.kind === 'video') this.sawVideo = true;
    else this.sawAudio = true;
    if (frame.sequenceHeader) {
      if (frame.kind === 'audio') {
        this.audioConfig = frame;
        return;
      }
      // New decoder configuration: cached frames belong to the old one.
      this.videoConfig = frame;
      this.resetGop();
      return;
    }
    if (frame.kind === 'video' && frame.keyframe) {
      this.keyframe = frame;
      this.gop = [frame];
      this.gopBytes = frame.payload.length;
      if (this.gopBytes > this.options.maxBytes) this.resetGop();
      return;
    }
    if (this.gop.length === 0) return;
    this.gop.push(frame);
    this.gopBytes += frame.payload.length;
    if (this.gopBytes > this.options.maxBytes) this.resetGop();
  }

  private resetGop(): void {
    this.gop = [];
    this.gopBytes = 0;
  }
}
