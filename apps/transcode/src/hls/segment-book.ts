import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rendition } from '@mediaplane/contracts';
import {
  localSegmentIndex,
  parseSegmentListLine,
  renderMasterPlaylist,
  type LadderPlan,
  type PlannedRendition,
  type SourceMedia,
} from '@mediaplane/media-plan';
import type { Logger } from '@mediaplane/observability';
import { probeSegmentCodecString } from '../ladder/source-probe';
import type { SequenceStart } from '../jobs/sequence-store';
import { RenditionTrack } from './rendition-track';

/** What the segment bookkeeping knows of one FFmpeg run. */
interface RunClock {
  fdToRendition: Map<number, string>;
  /** Wall-clock ms of output time 0, estimated from progress until the run's first segment. */
  anchorMs?: number;
  frozen: boolean;
}

export interface SegmentBookOptions {
  /** The job's folder; each rendition's segments go in a subfolder named after it. */
  dir: string;
  plan: LadderPlan;
  source: SourceMedia;
  window: number;
  ffprobePath: string;
  logger: Logger;
  /** Called after each segment is listed, with the next media sequence number. */
  onSegment: (rendition: string, nextMsn: number) => Promise<void>;
}

/**
 * Segment bookkeeping of one job: turns the segment lists FFmpeg writes on
 * its pipes into sliding-window media playlists (numbering continued across
 * runs and producers, program date-times from the run's clock), and renders
 * what the origin serves.
 */
export class SegmentBook {
  private readonly tracks = new Map<string, RenditionTrack>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly clocks = new Map<number, RunClock>();
  /** CODECS learnt from the passthrough's first segment when ingest did not report the source's codec string. */
  private readonly codecsOverride = new Map<string, string>();

  constructor(
    private readonly options: SegmentBookOptions,
    private readonly epoch: string,
  ) {}

  /** Creates the rendition folders and playlists, continuing the stream's numbering. */
  async open(sequence: SequenceStart): Promise<void> {
    for (const r of this.options.plan.renditions) {
      await mkdir(join(this.options.dir, r.name), { recursive: true });
      const track = new RenditionTrack({
        window: this.options.window,
        segmentSeconds: this.options.plan.segmentSeconds,
        discontinuitySequence: sequence.discontinuitySequence,
        continuing: sequence.continuing,
      });
      track.runBase = sequence.firstMsn;
      this.tracks.set(r.name, track);
    }
  }

  /** A new FFmpeg run: its segments continue after the last listed one, behind a discontinuity unless it is the first run. */
  beginRun(run: number, fdToRendition: Map<number, string>): void {
    const base = Math.max(...[...this.tracks.values()].map((t) => t.nextMsn));
    for (const track of this.tracks.values()) {
      track.runBase = base;
      if (run > 0) track.pendingDiscontinuity = true;
    }
    this.clocks.set(run, { fdToRendition, frozen: false });
  }

  segmentPattern(run: number): (rendition: PlannedRendition) => string {
    return (r) => join(this.options.dir, r.name, `r${run}-%d.ts`);
  }

  /** FFmpeg's output time of a run, which anchors program date-times until the run's first segment. */
  progress(run: number, outTimeUs: number): void {
    const clock = this.clocks.get(run);
    if (!clock || clock.frozen) return;
    // The earliest (wall - media) offset is the best estimate of when media time 0 was live:
    // the ingest GOP cache arrives as a burst, so later reports lag behind by the processing delay.
    const candidate = Date.now() - outTimeUs / 1000;
    clock.anchorMs = clock.anchorMs === undefined ? candidate : Math.min(clock.anchorMs, candidate);
  }

  /** One line of a rendition's segment list (`file,start,end`), as FFmpeg wrote it on the rendition's pipe. */
  line(run: number, fd: number, line: string): void {
    const clock = this.clocks.get(run);
    const name = clock?.fdToRendition.get(fd);
    const entry = parseSegmentListLine(line);
    const track = name ? this.tracks.get(name) : undefined;
    if (!clock || !name || !track || !entry) {
      this.options.logger.warn({ fd, line: line.slice(0, 200) }, 'ignored an unexpected segment list line');
      return;
    }
    // Appends happen in order per rendition, after the file's size is known.
    const previous = this.chains.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const path = join(this.options.dir, name, entry.file);
      const bytes = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      if (bytes === 0) return;
      await this.learnPassthroughCodecs(name, path);
      if (clock.anchorMs === undefined) clock.anchorMs = Date.now() - entry.endSeconds * 1000;
      clock.frozen = true;
      const local = localSegmentIndex(entry.file) ?? 0;
      const msn = Math.max(track.runBase + local, track.nextMsn);
      track.add(
        {
          msn,
          uri: `s${msn}-${this.epoch}.ts`,
          durationSeconds: Math.max(0.001, entry.endSeconds - entry.startSeconds),
          programDateTime: new Date(Math.round(clock.anchorMs + entry.startSeconds * 1000)),
          bytes,
        },
        path,
      );
      await this.options.onSegment(name, msn + 1);
    });
    this.chains.set(
      name,
      next.catch((error: unknown) => this.options.logger.warn({ err: error, rendition: name }, 'segment bookkeeping failed')),
    );
  }

  /** Settles when every segment reported so far is listed. */
  async settled(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  /** The stream is over: every playlist gets EXT-X-ENDLIST. */
  end(): void {
    for (const track of this.tracks.values()) track.playlist.end();
  }

  has(rendition: PlannedRendition): boolean {
    return (this.tracks.get(rendition.name)?.playlist.size ?? 0) > 0;
  }

  /** Renditions as announced: those with segments, planned figures with BANDWIDTH raised to the measured peak. */
  renditions(): Rendition[] {
    return this.options.plan.renditions
      .filter((r) => this.has(r))
      .map((r) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        bandwidth: Math.ceil(Math.max(r.bandwidth, this.tracks.get(r.name)?.playlist.peakBitrate() ?? 0)),
        codecs: this.codecsOverride.get(r.name) ?? r.codecs,
        frameRate: r.frameRate,
      }));
  }

  masterPlaylist(): string {
    return renderMasterPlaylist(
      this.renditions().map((r) => ({
        uri: `${r.name}/index.m3u8`,
        bandwidth: r.bandwidth,
        averageBandwidth: this.averageBandwidth(r.name),
        width: r.width,
        height: r.height,
        codecs: r.codecs,
        frameRate: r.frameRate,
      })),
    );
  }

  mediaPlaylist(rendition: string): string | undefined {
    const track = this.tracks.get(rendition);
    return track && track.playlist.size > 0 ? track.playlist.render() : undefined;
  }

  segmentFile(rendition: string, uri: string): string | undefined {
    return this.tracks.get(rendition)?.fileOf(uri);
  }

  private async learnPassthroughCodecs(name: string, file: string): Promise<void> {
    const planned = this.options.plan.renditions.find((r) => r.name === name);
    if (planned?.mode !== 'copy' || this.options.source.videoCodecString || this.codecsOverride.has(name)) return;
    const video = await probeSegmentCodecString(this.options.ffprobePath, file);
    const audio = planned.codecs.split(',').slice(1);
    this.codecsOverride.set(name, video ? [video, ...audio].join(',') : planned.codecs);
  }

  private averageBandwidth(name: string): number | undefined {
    const planned = this.options.plan.renditions.find((r) => r.name === name);
    const segments = this.tracks.get(name)?.playlist.list() ?? [];
    const seconds = segments.reduce((s, x) => s + x.durationSeconds, 0);
    const measured = seconds >= 2 ? (segments.reduce((s, x) => s + x.bytes, 0) * 8) / seconds : undefined;
    return planned?.mode === 'copy' && measured ? Math.ceil(measured) : planned?.averageBandwidth;
  }
}
