import { unlink } from 'node:fs/promises';
import { MediaPlaylist, type PlaylistSegment } from '@mediaplane/media-plan';

/** Segments kept on disk after leaving the window, for players that fetched the playlist just before. */
const RETAIN_AFTER_WINDOW = 4;

/**
 * One rendition's live state on a worker: its playlist, where each listed
 * segment's file is, and clean-up of files that left the window.
 */
export class RenditionTrack {
  readonly playlist: MediaPlaylist;
  private readonly files = new Map<string, string>();
  private readonly retired: PlaylistSegment[] = [];
  /** Next segment follows a discontinuity (a new FFmpeg run, or a new producer). */
  pendingDiscontinuity: boolean;
  /** Sequence number of local segment 0 of the current FFmpeg run. */
  runBase = 0;

  constructor(options: { window: number; segmentSeconds: number; discontinuitySequence: number; continuing: boolean }) {
    this.playlist = new MediaPlaylist(options);
    this.pendingDiscontinuity = options.continuing;
  }

  get nextMsn(): number {
    const last = this.playlist.lastMsn;
    return last === undefined ? this.runBase : last + 1;
  }

  add(segment: Omit<PlaylistSegment, 'discontinuity'>, path: string): void {
    const evicted = this.playlist.append({ ...segment, discontinuity: this.pendingDiscontinuity });
    this.pendingDiscontinuity = false;
    this.files.set(segment.uri, path);
    this.retired.push(...evicted);
    while (this.retired.length > RETAIN_AFTER_WINDOW) {
      const old = this.retired.shift() as PlaylistSegment;
      const file = this.files.get(old.uri);
      this.files.delete(old.uri);
      if (file) void unlink(file).catch(() => undefined);
    }
  }

  /** The file behind a segment URI, while it is listed or recently was. */
  fileOf(uri: string): string | undefined {
    return this.files.get(uri);
  }
}
