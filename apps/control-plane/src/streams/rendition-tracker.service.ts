import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { RenditionReadySchema, StreamEndedSchema, parseSubject, streamContracts, transcodeContracts, type Rendition } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, BUS, LOGGER, REDIS } from '@mediaplane/service-kit';
import { controlPlaneKeys } from '@mediaplane/sessions';
import type { ControlPlaneConfig } from '../control-plane.config';

const StoredRenditionsSchema = z.object({ origin: z.string(), at: z.string(), renditions: z.array(z.unknown()) });

/** Renditions outlive a forgotten `ended` event by at most this long. */
const RENDITIONS_TTL_MS = 24 * 3600 * 1000;

/**
 * Keeps the latest `rendition.ready` per stream in Redis, from a durable
 * JetStream consumer shared by every control-plane instance, and clears it
 * when the stream ends (unless a newer session's renditions arrived since).
 */
@Injectable()
export class RenditionTracker implements OnApplicationBootstrap {
  private readonly keys: ReturnType<typeof controlPlaneKeys>;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) config: ControlPlaneConfig,
  ) {
    this.keys = controlPlaneKeys(config.MEDIAPLANE_NAMESPACE);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consumeDurable(
      'control-plane-renditions',
      [transcodeContracts.renditionReady.subject, streamContracts.streamEnded.subject],
      (subject, payload) => this.onEvent(subject, payload),
      { deliverNew: true },
    );
  }

  async get(streamId: string): Promise<Rendition[]> {
    const raw = await this.redis.get(this.key(streamId));
    if (!raw) return [];
    const stored = StoredRenditionsSchema.safeParse(JSON.parse(raw));
    return stored.success ? (stored.data.renditions as Rendition[]) : [];
  }

  async forget(streamId: string): Promise<void> {
    await this.redis.del(this.key(streamId));
  }

  private async onEvent(subject: string, payload: unknown): Promise<void> {
    if (parseSubject(transcodeContracts.renditionReady.subject, subject)) {
      const ready = RenditionReadySchema.safeParse(payload);
      if (!ready.success) return this.logger.warn({ subject }, 'ignored a rendition.ready that violates its contract');
      const value = { origin: ready.data.origin, at: ready.data.at, renditions: ready.data.renditions };
      await this.redis.set(this.key(ready.data.streamId), JSON.stringify(value), 'PX', RENDITIONS_TTL_MS);
      return;
    }
    const ended = StreamEndedSchema.safeParse(payload);
    if (!ended.success) return this.logger.warn({ subject }, 'ignored a stream.ended that violates its contract');
    const raw = await this.redis.get(this.key(ended.data.streamId));
    const stored = raw ? StoredRenditionsSchema.safeParse(JSON.parse(raw)) : undefined;
    if (stored?.success && Date.parse(stored.data.at) <= Date.parse(ended.data.endedAt)) await this.redis.del(this.key(ended.data.streamId));
  }

  private key(streamId: string): string {
    return this.keys.renditions(streamId);
  }
}
