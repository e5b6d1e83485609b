import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { StreamIdSchema, streamContracts } from '@mediaplane/contracts';
import { KvConflictError, type Bus } from '@mediaplane/messaging';
import { activeTraceparent, counter, type Logger, type Registry } from '@mediaplane/observability';
import { APP_CONFIG, BUS, LOGGER, METRICS } from '@mediaplane/service-kit';
import {
  HlsViewerStore,
  LiveStreamStore,
  RelayViewerStore,
  generateStreamId,
  generateStreamKey,
  hashStreamKey,
  signPlaybackToken,
  TakeoverFlags,
  WebrtcBridgeStore,
  type LiveStreamState,
} from '@mediaplane/sessions';
import type { z } from 'zod';
import type { ControlPlaneConfig } from '../control-plane.config';
import { PublicUrls } from './public-urls';
import { RenditionTracker } from './rendition-tracker.service';
import { StreamConflictError, StreamStore, type StoredStream } from './stream-store.service';
import type { CreatedStreamSchema, KickResultSchema, PlaybackTokenSchema, RotatedKeySchema, StreamView, TakeoverResultSchema } from '@mediaplane/contracts';
import { mergeSrtSettings, type CreateStreamRequest, type StreamDefinition, type UpdateStreamRequest } from './stream.schemas';
import { toSrtSettingsView, toStreamView, type LiveShares } from './stream-view';

type KickReason = 'kicked' | 'deleted' | 'key_rotated';

/** The streams API's logic: definitions in the StreamStore, live state from ingest via Redis, commands over NATS. */
@Injectable()
export class StreamsService {
  private readonly operations;

  constructor(
    private readonly store: StreamStore,
    private readonly renditions: RenditionTracker,
    readonly urls: PublicUrls,
    readonly live: LiveStreamStore,
    private readonly hlsViewers: HlsViewerStore,
    private readonly relayViewers: RelayViewerStore,
    private readonly webrtcBridges: WebrtcBridgeStore,
    private readonly takeovers: TakeoverFlags,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
  ) {
    this.operations = counter(metrics, 'mediaplane_control_plane_stream_operations_total', 'Stream API operations that changed state', ['operation']);
  }

  async create(request: CreateStreamRequest): Promise<z.input<typeof CreatedStreamSchema>> {
    const streamKey = generateStreamKey();
    const now = new Date().toISOString();
    // Ids are 72 random bits; a second try only guards against the astronomically unlikely clash.
    for (let attempt = 0; ; attempt++) {
      const definition: StreamDefinition = {
        id: generateStreamId(),
        name: request.name,
        keyHash: hashStreamKey(streamKey),
        private: request.private,
        record: request.record,
        ...(request.ladder ? { ladder: request.ladder } : {}),
        ...(request.srt && Object.keys(request.srt).length ? { srt: request.srt } : {}),
        createdAt: now,
        updatedAt: now,
        ...traceparentField(),
      };
      try {
        await this.store.create(definition);
      } catch (error) {
        if (attempt < 2 && error instanceof KvConflictError) continue;
        throw error;
      }
      this.operations.inc({ operation: 'create' });
      this.logger.info({ streamId: definition.id, private: definition.private }, 'stream created');
      return {
        id: definition.id,
        name: definition.name,
        streamKey,
        private: definition.private,
        record: definition.record,
        srt: toSrtSettingsView(definition.srt),
        ingest: this.urls.ingest(definition.id, streamKey, definition.srt),
        playback: this.urls.playback(definition.id),
      };
    }
  }

  async list(liveOnly: boolean): Promise<StreamView[]> {
    const [definitions, liveStates] = await Promise.all([this.store.list(), this.live.list()]);
    const liveById = new Map(liveStates.map((s) => [s.streamId, s]));
    const chosen = liveOnly ? definitions.filter((d) => liveById.has(d.id)) : definitions;
    const liveIds = chosen.filter((d) => liveById.has(d.id)).map((d) => d.id);
    const shares = await this.liveShares(liveIds);
    return Promise.all(chosen.map(async (d) => this.view(d, liveById.get(d.id), shares.get(d.id))));
  }

  async get(id: string): Promise<StreamView> {
    const { definition } = await this.require(id);
    const live = await this.live.get(id);
    return this.liveView(definition, live);
  }

  /** Changes the stream's settings (today its SRT settings); they apply from the next publish. */
  async update(id: string, request: UpdateStreamRequest): Promise<StreamView> {
    const current = await this.require(id);
    const merged = mergeSrtSettings(current.definition.srt, request.srt);
    if (!merged.ok) throw new BadRequestException(merged.message);
    const { srt: _previous, ...rest } = current.definition;
    const next: StreamDefinition = { ...rest, ...(merged.settings ? { srt: merged.settings } : {}), updatedAt: new Date().toISOString() };
    try {
      await this.store.replace(current, next);
    } catch (error) {
      if (error instanceof StreamConflictError) throw new ConflictException(error.message);
      throw error;
    }
    this.operations.inc({ operation: 'update' });
    // Which settings changed, never their values (the passphrase is a secret).
    this.logger.info({ streamId: id, srtFields: Object.keys(request.srt), passphraseSet: next.srt?.passphrase !== undefined }, 'stream updated');
    return this.liveView(next, await this.live.get(id));
  }

  async rotateKey(id: string): Promise<z.input<typeof RotatedKeySchema>> {
    const current = await this.require(id);
    const streamKey = generateStreamKey();
    try {
      await this.store.replaceKeyHash(current, hashStreamKey(streamKey), new Date());
    } catch (error) {
      if (error instanceof StreamConflictError) throw new ConflictException(error.message);
      throw error;
    }
    this.operations.inc({ operation: 'rotate_key' });
    this.logger.info({ streamId: id }, 'stream key rotated');
    const kicked = await this.kickPublisher(id, 'key_rotated');
    return { id, streamKey, srt: toSrtSettingsView(current.definition.srt), ingest: this.urls.ingest(id, streamKey, current.definition.srt), kicked };
  }

  async kick(id: string): Promise<z.input<typeof KickResultSchema>> {
    await this.require(id);
    this.operations.inc({ operation: 'kick' });
    return { id, wasLive: await this.kickPublisher(id, 'kicked') };
  }

  /** Lets the next publisher with the key replace the live one (within the takeover window). */
  async takeover(id: string): Promise<z.input<typeof TakeoverResultSchema>> {
    await this.require(id);
    const expiresAt = await this.takeovers.grant(id, this.config.CONTROL_PLANE_TAKEOVER_WINDOW_MS);
    this.operations.inc({ operation: 'takeover' });
    const wasLive = (await this.live.get(id)) !== undefined;
    this.logger.info({ streamId: id, wasLive, expiresAt }, 'takeover granted to the next publisher');
    return { id, wasLive, expiresAt: expiresAt.toISOString() };
  }

  async remove(id: string): Promise<void> {
    const { definition } = await this.require(id);
    await this.store.remove(definition);
    await this.kickPublisher(id, 'deleted');
    await this.renditions.forget(id);
    this.operations.inc({ operation: 'delete' });
    this.logger.info({ streamId: id }, 'stream deleted');
  }

  async issuePlaybackToken(id: string, ttlSeconds: number): Promise<z.input<typeof PlaybackTokenSchema>> {
    await this.require(id);
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const token = signPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, id, expiresAt, 'play');
    // The token's expiry has whole-second precision; report exactly what it encodes.
    const encoded = new Date(Math.floor(expiresAt.getTime() / 1000) * 1000);
    return { token, expiresAt: encoded.toISOString(), playback: this.urls.playback(id, token) };
  }

  /** The stored stream, or a 404 (also for ids that could never exist). */
  async require(id: string): Promise<StoredStream> {
    const stored = StreamIdSchema.safeParse(id).success ? await this.store.get(id) : undefined;
    if (!stored) throw new NotFoundException(`stream ${JSON.stringify(id.slice(0, 64))} does not exist`);
    return stored;
  }

  /**
   * Tells every ingest node to drop the stream's publisher (a broadcast; the
   * holder acts). Sent even when no live state is seen, as that state may lag.
   */
  private async kickPublisher(id: string, reason: KickReason): Promise<boolean> {
    const wasLive = (await this.live.get(id)) !== undefined;
    await this.bus.publish(streamContracts.streamKick, { streamId: id }, { streamId: id, reason });
    if (wasLive) this.logger.info({ streamId: id, reason }, 'publisher kicked');
    return wasLive;
  }

  private async liveView(definition: StreamDefinition, live: LiveStreamState | undefined): Promise<StreamView> {
    if (!live) return this.view(definition, undefined);
    return this.view(definition, live, (await this.liveShares([definition.id])).get(definition.id));
  }

  /** What the edges, relaying ingest nodes and SFU nodes report about these live streams, in three round trips. */
  private async liveShares(streamIds: readonly string[]): Promise<Map<string, LiveShares>> {
    const [hls, relayed, bridges] = await Promise.all([
      this.hlsViewers.totals(streamIds),
      this.relayViewers.totals(streamIds),
      this.webrtcBridges.list(streamIds),
    ]);
    return new Map(streamIds.map((id) => [id, { hlsViewers: hls.get(id) ?? 0, relayViewers: relayed.get(id) ?? {}, webrtcBridges: bridges.get(id) ?? [] }]));
  }

  private async view(definition: StreamDefinition, live: LiveStreamState | undefined, shares: LiveShares = { hlsViewers: 0 }): Promise<StreamView> {
    return toStreamView(definition, live, { renditions: live ? await this.renditions.get(definition.id) : [], ...shares }, this.urls);
  }
}

function traceparentField(): { createdTraceparent?: string } {
  const traceparent = activeTraceparent();
  return traceparent ? { createdTraceparent: traceparent } : {};
}
