import { randomUUID } from 'node:crypto';
import { transcodeContracts, type HlsOrigin } from '@mediaplane/contracts';
import type { LadderPlan } from '@mediaplane/media-plan';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import type { SegmentBook } from '../hls/segment-book';
import type { JobLeaseStore } from '../jobs/job-lease-store';

export interface OriginAnnouncerOptions {
  streamId: string;
  sessionId: string;
  /** This worker's instance id. */
  worker: string;
  /** JetStream delivery count of the job message. */
  delivery: number;
  private: boolean;
  plan: LadderPlan;
  epoch: string;
  ttlMs: number;
  /** `http://<advertised host>:<port>/origin/hls`, read when the origin entry is first written. */
  originBaseUrl: () => string;
}

/**
 * Tells the cluster who produces a stream: the job lease (one producer at a
 * time; a refresh that fails means another worker took over) and, once every
 * rendition has a segment, the HLS origin entry edges read and the
 * `rendition.ready` event.
 */
export class OriginAnnouncer {
  private readonly token = randomUUID();
  private announcedOrigin = false;
  private firstEncodedReadyAt?: number;

  constructor(
    private readonly options: OriginAnnouncerOptions,
    private readonly leases: JobLeaseStore,
    private readonly book: SegmentBook,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  get announced(): boolean {
    return this.announcedOrigin;
  }

  async takeLease(): Promise<void> {
    const { streamId, worker, sessionId, delivery, ttlMs } = this.options;
    await this.leases.take(streamId, { worker, sessionId, token: this.token, delivery }, ttlMs);
  }

  async releaseLease(): Promise<void> {
    await this.leases.release(this.options.streamId, this.token).catch(() => undefined);
  }

  /** Extends the lease (and the origin entry once announced); false when another worker holds the stream now. */
  async refresh(): Promise<boolean> {
    const { ttlMs } = this.options;
    return this.leases.refresh(this.options.streamId, this.token, ttlMs, this.announcedOrigin ? { record: this.record(true), ttlMs } : undefined);
  }

  /**
   * Publishes the origin entry once every rendition has a segment (encoded
   * ones at least, after a grace). Returns false when the lease was lost.
   */
  async maybeAnnounce(): Promise<boolean> {
    if (this.announcedOrigin) return true;
    const planned = this.options.plan.renditions;
    if (!planned.filter((r) => r.mode === 'encode').every((r) => this.book.has(r))) return true;
    this.firstEncodedReadyAt ??= Date.now();
    // A passthrough with a long source GOP may lag; it must not hold the whole stream back for long.
    const graceOver = Date.now() - this.firstEncodedReadyAt >= this.options.plan.segmentSeconds * 2000;
    if (!planned.every((r) => this.book.has(r)) && !graceOver) return true;
    const { streamId, ttlMs } = this.options;
    if (!(await this.leases.refresh(streamId, this.token, ttlMs, { record: this.record(true), ttlMs }))) return false;
    this.announcedOrigin = true;
    this.log.info({ origin: this.record(true).baseUrl }, 'HLS origin ready');
    await this.bus
      .publish(
        transcodeContracts.renditionReady,
        { streamId },
        { streamId, origin: this.options.worker, renditions: this.book.renditions(), at: new Date().toISOString() },
        { msgId: `rendition-${streamId}-${this.options.epoch}` },
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'renditionReady not published'));
    return true;
  }

  /** The stream ended: the origin entry says `live: false` for the linger period, and the lease goes. */
  async endLive(lingerMs: number): Promise<void> {
    const ttlMs = lingerMs + 5000;
    if (this.announcedOrigin) await this.leases.refresh(this.options.streamId, this.token, ttlMs, { record: this.record(false), ttlMs }).catch(() => false);
    await this.releaseLease();
  }

  /** Removes our origin entry (unless a newer producer's replaced it). */
  async remove(): Promise<void> {
    await this.leases.removeOrigin(this.options.streamId, this.options.worker, this.options.sessionId).catch(() => undefined);
  }

  private record(live: boolean): HlsOrigin {
    const { streamId, sessionId, worker, plan } = this.options;
    return {
      streamId,
      sessionId,
      worker,
      baseUrl: `${this.options.originBaseUrl()}/${streamId}`,
      renditions: this.book.renditions(),
      private: this.options.private,
      segmentSeconds: plan.segmentSeconds,
      live,
      updatedAt: new Date().toISOString(),
    };
  }
}
