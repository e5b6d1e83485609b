import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, parseFlvAudioTagHeader, parseFlvVideoTagHeader, type FlvTag } from '@mediaplane/codecs';

/**
 * Makes a live FLV pull start at live instead of behind it.
 *
 * The ingest starts every pull with its GOP cache (from the last keyframe,
 * up to a GOP old) and then live tags, all with their original timestamps.
 * An HTTP-FLV player can skip ahead; a WebRTC receiver cannot: it plays RTP
 * at the pace of its timestamps, so a viewer fed the cache as is stays the
 * cache's age behind live for the whole session (measured: the first viewer
 * of a passthrough bridge ran ~3.5 s behind with a 4 s GOP).
 *
 * So timestamps are shifted by how far the media ran ahead of the wall clock
 * (`lead`, its maximum so far): the cache, which arrives in one burst, gets
 * timestamps squeezed 1 ms apart (the decoder still gets every frame it
 * needs, and the browser shows them at once), and live tags continue
 * `shift` earlier than they were, at their own pace. Audio of the burst is
 * dropped rather than squeezed (every audio frame decodes alone); sequence
 * headers and script tags always pass.
 */
const MIN_AUDIO_SPACING_MS = 10;

export class FlvCatchUp {
  private origin?: { ts: number; wallMs: number };
  private shift = 0;
  private lastVideo = -1;
  private lastAudio = -1;

  /** The tag's new timestamp, or undefined to drop it. `nowMs` is a monotonic clock in ms. */
  retime(tag: Pick<FlvTag, 'type' | 'timestamp' | 'data'>, nowMs: number): number | undefined {
    if (tag.type !== FLV_TAG_AUDIO && tag.type !== FLV_TAG_VIDEO) return this.shifted(tag.timestamp);
    if (isSequenceHeader(tag)) return this.shifted(tag.timestamp);
    this.origin ??= { ts: tag.timestamp, wallMs: nowMs };
    const lead = tag.timestamp - this.origin.ts - (nowMs - this.origin.wallMs);
    if (lead > this.shift) this.shift = Math.round(lead);
    const out = this.shifted(tag.timestamp);
    if (tag.type === FLV_TAG_VIDEO) {
      // Strictly increasing: two frames on one RTP timestamp would be taken for one frame.
      this.lastVideo = Math.max(out, this.lastVideo + 1);
      return this.lastVideo;
    }
    // Audio frames are 20+ ms long: closer ones are the squeezed cache.
    if (this.lastAudio >= 0 && out < this.lastAudio + MIN_AUDIO_SPACING_MS) return undefined;
    this.lastAudio = out;
    return out;
  }

  /** How far timestamps are moved back, ms (the age of the cache the pull began with, once it has been read). */
  get shiftMs(): number {
    return this.shift;
  }

  private shifted(ts: number): number {
    return Math.max(0, ts - this.shift);
  }
}

function isSequenceHeader(tag: Pick<FlvTag, 'type' | 'data'>): boolean {
  try {
    return tag.type === FLV_TAG_VIDEO ? parseFlvVideoTagHeader(tag.data).isSequenceHeader : parseFlvAudioTagHeader(tag.data).isSequenceHeader;
  } catch {
    return false;
  }
}
