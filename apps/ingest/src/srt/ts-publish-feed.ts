import { CodecError, MpegTsDemuxer, MpegTsToFlv } from '@mediaplane/codecs';

/** Where the feed's FLV tag bodies go: a PublishSession in the app, a list in a test. */
export interface TsFeedTarget {
  onMedia(kind: 'audio' | 'video', timestamp: number, payload: Buffer): void;
}

export interface TsFeedError {
  /** Short code for metrics (`mpegts-<code>`). */
  code: 'demux';
  message: string;
}

/**
 * An SRT publisher's MPEG-TS, turned into the FLV tag bodies an RTMP
 * publisher sends (the codecs library's demuxer and converter), so the
 * session, its hub and everything downstream see one kind of stream. The
 * demuxer recovers from loss damage by itself (a lost datagram is a
 * continuity gap, its PES is discarded); what it cannot recover from is
 * returned as an error and ends this publisher only.
 */
export class TsPublishFeed {
  private readonly demuxer = new MpegTsDemuxer();
  private readonly converter = new MpegTsToFlv();
  private failed = false;

  constructor(private readonly target: TsFeedTarget) {}

  /** Bytes received; an error means the stream cannot be read any further (the caller closes the connection). */
  push(chunk: Buffer): TsFeedError | undefined {
    if (this.failed) return undefined;
    try {
      for (const au of this.demuxer.push(chunk)) {
        for (const tag of this.converter.push(au)) this.target.onMedia(tag.kind, tag.timestamp, tag.payload);
      }
      return undefined;
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      this.failed = true;
      return { code: 'demux', message: error.message.slice(0, 200) };
    }
  }

  get stats(): { packets: number; continuityErrors: number; discontinuities: number; droppedBytes: number; droppedAccessUnits: number } {
    return { ...this.demuxer.stats, droppedAccessUnits: this.converter.stats.droppedAccessUnits };
  }
}
