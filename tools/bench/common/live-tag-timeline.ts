import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, parseFlvVideoTagHeader, type FlvTag } from '@mediaplane/codecs';

/** A tag to publish now, with its timestamp on the common timeline. */
export interface TimedTag {
  type: typeof FLV_TAG_AUDIO | typeof FLV_TAG_VIDEO;
  timestamp: number;
  data: Buffer;
  /** Video frames only: the frame's presentation time from the first frame, ms (frame n at n / fps). */
  mediaMs?: number;
}

/**
 * Puts the tags of two single-stream FLVs (one from an AAC encoder, one from
 * an AVC encoder, both started at the same instant) on one timeline, as a
 * muxer of both would. Each FLV moves its own start to 0: the audio one its
 * AAC priming (`audioPrimingMs` before the first sample), the video one the
 * first frame's decode time (before its presentation with B-frames). Both
 * offsets are taken out and both streams start at the larger one, so no
 * timestamp goes below 0 and a frame and the tone drawn with it share a
 * timestamp. Audio that comes before the first video frame waits for it
 * (the video offset is not known until then).
 */
export class LiveTagTimeline {
  private videoShiftMs: number | undefined;
  private readonly earlyAudio: FlvTag[] = [];

  constructor(private readonly audioPrimingMs: number) {}

  video(tag: FlvTag): TimedTag[] {
    const presentationMs = avcPresentationMs(tag);
    if (this.videoShiftMs === undefined) {
      if (presentationMs === undefined) return [{ type: FLV_TAG_VIDEO, timestamp: 0, data: tag.data }];
      this.videoShiftMs = presentationMs;
      const frame = this.timedVideo(tag, presentationMs);
      return [frame, ...this.earlyAudio.splice(0).map((early) => this.timedAudio(early))];
    }
    return [this.timedVideo(tag, presentationMs)];
  }

  audio(tag: FlvTag): TimedTag[] {
    if (this.videoShiftMs === undefined) {
      this.earlyAudio.push(tag);
      return [];
    }
    return [this.timedAudio(tag)];
  }

  private timedVideo(tag: FlvTag, presentationMs: number | undefined): TimedTag {
    const shift = this.videoShiftMs ?? 0;
    const timed: TimedTag = { type: FLV_TAG_VIDEO, timestamp: tag.timestamp - shift + this.originMs(), data: tag.data };
    if (presentationMs !== undefined) timed.mediaMs = presentationMs - shift;
    return timed;
  }

  private timedAudio(tag: FlvTag): TimedTag {
    return { type: FLV_TAG_AUDIO, timestamp: Math.max(0, tag.timestamp - this.audioPrimingMs + this.originMs()), data: tag.data };
  }

  private originMs(): number {
    return Math.max(this.audioPrimingMs, this.videoShiftMs ?? 0);
  }
}

/** A coded frame's presentation time (timestamp + composition offset); undefined for a sequence header or end. */
function avcPresentationMs(tag: FlvTag): number | undefined {
  const header = parseFlvVideoTagHeader(tag.data);
  return header.avcPacketType === 1 ? tag.timestamp + (header.compositionTime ?? 0) : undefined;
}
