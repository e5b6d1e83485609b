/** A finished segment as a media playlist lists it. */
export interface PlaylistSegment {
  /** Media sequence number; continues across FFmpeg restarts and worker takeovers. */
  msn: number;
  /** URI relative to the playlist (`s42-ab12cd.ts`). */
  uri: string;
  durationSeconds: number;
  /** Wall-clock time of the segment's first frame (EXT-X-PROGRAM-DATE-TIME). */
  programDateTime: Date;
  /** A timestamp/encoder discontinuity precedes this segment (new FFmpeg run or new worker). */
  discontinuity: boolean;
  bytes: number;
}

export interface MediaPlaylistOptions {
  /** Segments listed (sliding window). */
  window: number;
  /** Nominal segment length; the target duration never goes below it. */
  segmentSeconds: number;
  /** Discontinuity tags that came before this playlist's first segment (earlier workers' periods). */
  discontinuitySequence: number;
}

/**
 * A live HLS media playlist with a sliding window. It is ours rather than
 * FFmpeg's so that numbering, discontinuities and program date times carry
 * over restarts and takeovers, and so that LL-HLS (EXT-X-PART, preload hints,
 * blocking reloads keyed on `msn`) can be added to this model later.
 */
export class MediaPlaylist {
  private readonly segments: PlaylistSegment[] = [];
  private discontinuitySequence: number;
  private targetDuration: number;
  private ended = false;

  constructor(private readonly options: MediaPlaylistOptions) {
    this.discontinuitySequence = options.discontinuitySequence;
    this.targetDuration = Math.max(1, Math.ceil(options.segmentSeconds));
  }

  /** Adds a finished segment; returns those that left the window (the caller may delete their files). */
  append(segment: PlaylistSegment): PlaylistSegment[] {
    const last = this.segments[this.segments.length - 1];
    if (last && segment.msn <= last.msn) throw new Error(`segment ${segment.msn} does not follow ${last.msn}`);
    this.segments.push(segment);
    // Players require every EXTINF, rounded, to be within the target duration; it may only grow.
    this.targetDuration = Math.max(this.targetDuration, Math.round(segment.durationSeconds));
    const evicted: PlaylistSegment[] = [];
    while (this.segments.length > this.options.window) {
      const gone = this.segments.shift() as PlaylistSegment;
      // The tag leaves with its segment, so the count of discontinuities before the first listed segment grows.
      if (gone.discontinuity) this.discontinuitySequence++;
      evicted.push(gone);
    }
    return evicted;
  }

  /** The stream ended: the playlist gets EXT-X-ENDLIST and stops changing. */
  end(): void {
    this.ended = true;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get lastMsn(): number | undefined {
    return this.segments[this.segments.length - 1]?.msn;
  }

  get size(): number {
    return this.segments.length;
  }

  /** Listed segments, oldest first. */
  list(): readonly PlaylistSegment[] {
    return this.segments;
  }

  find(msn: number): PlaylistSegment | undefined {
    return this.segments.find((s) => s.msn === msn);
  }

  /** Highest bit rate of a listed segment, in bit/s (what BANDWIDTH must cover). */
  peakBitrate(): number {
    return this.segments.reduce((max, s) => (s.durationSeconds > 0.5 ? Math.max(max, (s.bytes * 8) / s.durationSeconds) : max), 0);
  }

  render(): string {
    const first = this.segments[0];
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      `#EXT-X-TARGETDURATION:${this.targetDuration}`,
      `#EXT-X-MEDIA-SEQUENCE:${first?.msn ?? 0}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySequence}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ];
    for (const s of this.segments) {
      if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime.toISOString()}`);
      lines.push(`#EXTINF:${s.durationSeconds.toFixed(3)},`);
      lines.push(s.uri);
    }
    if (this.ended) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }
}
