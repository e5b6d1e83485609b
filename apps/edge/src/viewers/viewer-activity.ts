/** How many target durations a viewer stays counted after its last media playlist or segment fetch. */
export const IDLE_TARGET_DURATIONS = 3;
/** Target duration assumed until a stream's media playlist has been seen (the ladder's default segment length). */
export const DEFAULT_TARGET_DURATION_S = 2;
const MIN_WINDOW_MS = 3_000;
const MAX_WINDOW_MS = 60_000;

interface Seen {
  at: number;
  /** The client address group (see `touch`) the viewer is counted under. */
  group: string;
}

interface StreamActivity {
  /** Viewer id → last fetch. Kept in last-seen order: a touch moves the viewer to the end. */
  lastSeen: Map<string, Seen>;
  /** Address group → viewers of this stream tracked under it. */
  perGroup: Map<string, number>;
  windowMs: number;
}

/**
 * Distinct active viewers per stream on this edge: a viewer is active while
 * it fetched a media playlist or segment within the last
 * `IDLE_TARGET_DURATIONS` target durations (a live player reloads its
 * playlist about once a target duration, so missing three means it left).
 *
 * The hot path (`touch`) is O(1) and allocation-free for known viewers;
 * entries are kept in last-seen order, so `counts` drops the idle ones from
 * the front without scanning the active ones. The number of tracked viewers
 * is bounded (`maxTracked`): past it, new viewers are not counted (and
 * `untracked` says how many were turned away) rather than growing memory.
 * So are the distinct viewers of one stream from one client address group
 * (`maxPerGroup`): one client minting session after session counts as at
 * most that many viewers (`overCap` says how many were turned away).
 */
export class ViewerActivity {
  private readonly streams = new Map<string, StreamActivity>();
  private tracked = 0;
  untracked = 0;
  overCap = 0;

  constructor(
    private readonly maxTracked: number,
    private readonly maxPerGroup = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * A viewer, from client address group `group`, fetched a media playlist or
   * segment of the stream at `now`. The group may be given as a function: it
   * is then only worked out for a viewer not seen yet (the hot path stays
   * free of hashing for known ones).
   */
  touch(streamId: string, viewerId: string, now: number, group: string | (() => string) = ''): void {
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = { lastSeen: new Map(), perGroup: new Map(), windowMs: windowFor(DEFAULT_TARGET_DURATION_S) };
      this.streams.set(streamId, stream);
    }
    const known = stream.lastSeen.get(viewerId);
    if (known) {
      stream.lastSeen.delete(viewerId);
      known.at = now;
      stream.lastSeen.set(viewerId, known);
      return;
    }
    const groupKey = typeof group === 'function' ? group() : group;
    const inGroup = stream.perGroup.get(groupKey) ?? 0;
    if (inGroup >= this.maxPerGroup) {
      this.overCap++;
      return;
    }
    if (this.tracked >= this.maxTracked) {
      this.untracked++;
      return;
    }
    stream.lastSeen.set(viewerId, { at: now, group: groupKey });
    stream.perGroup.set(groupKey, inGroup + 1);
    this.tracked++;
  }

  /** The stream's playlists say segments last up to `seconds`: the idle window follows. */
  setTargetDuration(streamId: string, seconds: number): void {
    const stream = this.streams.get(streamId);
    if (stream && Number.isFinite(seconds) && seconds > 0) stream.windowMs = windowFor(seconds);
  }

  /**
   * Active viewers per stream at `now`, after forgetting idle ones. Streams
   * whose last viewer just left appear once with 0 (so the shared count can
   * drop at once), then are forgotten.
   */
  counts(now: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [streamId, stream] of this.streams) {
      const idleBefore = now - stream.windowMs;
      for (const [viewerId, seen] of stream.lastSeen) {
        if (seen.at > idleBefore) break;
        stream.lastSeen.delete(viewerId);
        this.tracked--;
        const left = (stream.perGroup.get(seen.group) ?? 1) - 1;
        if (left > 0) stream.perGroup.set(seen.group, left);
        else stream.perGroup.delete(seen.group);
      }
      out.set(streamId, stream.lastSeen.size);
      if (stream.lastSeen.size === 0) this.streams.delete(streamId);
    }
    return out;
  }

  /** Viewers tracked right now over all streams (idle ones included until the next `counts`). */
  get size(): number {
    return this.tracked;
  }
}

function windowFor(targetDurationS: number): number {
  return Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, Math.round(targetDurationS * IDLE_TARGET_DURATIONS * 1000)));
}
