import { Inject, Injectable } from '@nestjs/common';
import { CodecError } from '@mediaplane/codecs';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import type { PublishSession } from '../publish/publish-session';
import { runFfmpegOnce } from './ffmpeg-one-shot';
import { snapshotInput, type SnapshotInput } from './snapshot-input';

const MAX_JPEG_BYTES = 8 * 1024 * 1024;
/** Decodes at once at most this many snapshots node-wide; FFmpeg start-up is the cost. */
const MAX_CONCURRENT_DECODES = 2;

export class SnapshotUnavailableError extends Error {}

interface CachedSnapshot {
  keyframeSeq: number;
  jpeg: Buffer;
}

/**
 * JPEG of a stream's latest keyframe: the decoder configuration and the
 * keyframe are wrapped in a two-tag FLV (H.264) or MPEG-TS (HEVC) and
 * decoded by FFmpeg (snapshotInput). One decode
 * per keyframe at most (cached by the keyframe's position; concurrent
 * requests share the decode in flight).
 */
@Injectable()
export class SnapshotService {
  private readonly cache = new WeakMap<PublishSession, CachedSnapshot>();
  private readonly inFlight = new WeakMap<PublishSession, { keyframeSeq: number; promise: Promise<Buffer> }>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
  ) {}

  async snapshot(session: PublishSession): Promise<Buffer> {
    const latest = session.hub.latestKeyframe();
    if (!latest?.config) throw new SnapshotUnavailableError('no keyframe received yet');
    const seq = latest.keyframe.seq;
    const cached = this.cache.get(session);
    if (cached?.keyframeSeq === seq) return cached.jpeg;
    const pending = this.inFlight.get(session);
    if (pending?.keyframeSeq === seq) return pending.promise;
    let input: SnapshotInput | undefined;
    try {
      input = snapshotInput(latest.config.payload, latest.keyframe.payload);
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
    }
    if (!input) throw new SnapshotUnavailableError('snapshots are made of H.264 and HEVC streams only');
    const decodable = input;
    const promise = this.withSlot(() => this.decode(decodable)).then(
      (jpeg) => {
        this.cache.set(session, { keyframeSeq: seq, jpeg });
        return jpeg;
      },
      (error: unknown) => {
        this.logger.warn({ streamId: session.streamId, reason: (error as Error).message }, 'snapshot decode failed');
        throw new SnapshotUnavailableError('the latest keyframe could not be decoded');
      },
    );
    this.inFlight.set(session, { keyframeSeq: seq, promise });
    void promise
      .finally(() => {
        if (this.inFlight.get(session)?.promise === promise) this.inFlight.delete(session);
      })
      .catch(() => undefined);
    return promise;
  }

  private async decode(input: SnapshotInput): Promise<Buffer> {
    const stop = this.metrics.snapshotSeconds.startTimer();
    try {
      return await runFfmpegOnce({
        ffmpegPath: this.config.INGEST_FFMPEG_PATH,
        args: ['-hide_banner', '-loglevel', 'error', '-f', input.format, '-i', 'pipe:0', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'],
        input: input.bytes,
        timeoutMs: this.config.INGEST_SNAPSHOT_TIMEOUT_MS,
        maxOutputBytes: MAX_JPEG_BYTES,
      });
    } finally {
      stop();
    }
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= MAX_CONCURRENT_DECODES) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.queue.shift()?.();
    }
  }
}
