import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { digestsEqual } from '@mediaplane/sessions';
import { APP_CONFIG, BUS } from '@mediaplane/service-kit';
import { KvConflictError, jsonValues, textValues, type Bus, type KvBucket } from '@mediaplane/messaging';
import type { ControlPlaneConfig } from '../control-plane.config';
import { StreamDefinitionSchema, type StreamDefinition } from './stream.schemas';

export interface StoredStream {
  definition: StreamDefinition;
  /** KV revision, for compare-and-set updates. */
  revision: number;
}

/** Another writer changed the stream between our read and our write. */
export class StreamConflictError extends Error {}

/**
 * Stream definitions in JetStream KV (file storage, so they outlive restarts
 * of NATS and of the control plane): `<ns>_streams` holds id → definition and
 * `<ns>_stream_keys` the publish-authorization index keyHash → id. The index
 * is written before the definition and checked against it on every lookup,
 * so a half-finished create, rotate or delete never authorizes a stale key.
 */
@Injectable()
export class StreamStore implements OnModuleInit {
  private definitions?: KvBucket<StreamDefinition>;
  private keyIndex?: KvBucket<string>;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const replicas = this.config.CONTROL_PLANE_KV_REPLICAS;
    this.definitions = await this.bus.kvBucket('streams', jsonValues(StreamDefinitionSchema), {
      description: 'Mediaplane stream definitions (id → definition)',
      replicas,
    });
    this.keyIndex = await this.bus.kvBucket('stream_keys', textValues, { description: 'Mediaplane publish key index (sha256(key) → stream id)', replicas });
  }

  async create(definition: StreamDefinition): Promise<void> {
    await this.index().create(definition.keyHash, definition.id);
    try {
      await this.defs().create(definition.id, definition);
    } catch (error) {
      await this.index()
        .delete(definition.keyHash)
        .catch(() => undefined);
      throw error;
    }
  }

  async get(id: string): Promise<StoredStream | undefined> {
    const entry = await this.defs().get(id);
    return entry ? { definition: entry.value, revision: entry.revision } : undefined;
  }

  async list(): Promise<StreamDefinition[]> {
    const keys = await this.defs().keys();
    const found = await Promise.all(keys.map((k) => this.get(k)));
    return found
      .filter((s): s is StoredStream => s !== undefined)
      .map((s) => s.definition)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The stream a key hash publishes to, compared in constant time against the definition. */
  async findByKeyHash(keyHash: string): Promise<StreamDefinition | undefined> {
    const indexed = await this.index().get(keyHash);
    if (!indexed) return undefined;
    const stored = await this.get(indexed.value);
    if (!stored || !digestsEqual(stored.definition.keyHash, keyHash)) return undefined;
    return stored.definition;
  }

  /** Swaps the key hash; the old key stops authorizing the moment the definition is written. */
  async replaceKeyHash(current: StoredStream, keyHash: string, at: Date): Promise<StreamDefinition> {
    const next: StreamDefinition = { ...current.definition, keyHash, keyRotatedAt: at.toISOString(), updatedAt: at.toISOString() };
    await this.index().create(keyHash, next.id);
    try {
      await this.defs().update(next.id, next, current.revision);
    } catch (error) {
      await this.index()
        .delete(keyHash)
        .catch(() => undefined);
      throw error instanceof KvConflictError ? new StreamConflictError('the stream changed meanwhile; try again') : error;
    }
    await this.index()
      .delete(current.definition.keyHash)
      .catch(() => undefined);
    return next;
  }

  /** Writes a changed definition (same key) if nobody else changed it since `current` was read. */
  async replace(current: StoredStream, next: StreamDefinition): Promise<void> {
    if (next.id !== current.definition.id || next.keyHash !== current.definition.keyHash) throw new Error('replace keeps the id and key; use replaceKeyHash');
    try {
      await this.defs().update(next.id, next, current.revision);
    } catch (error) {
      throw error instanceof KvConflictError ? new StreamConflictError('the stream changed meanwhile; try again') : error;
    }
  }

  async remove(definition: StreamDefinition): Promise<void> {
    await this.defs().delete(definition.id);
    await this.index()
      .delete(definition.keyHash)
      .catch(() => undefined);
  }

  private defs(): KvBucket<StreamDefinition> {
    if (!this.definitions) throw new Error('stream store is not open yet');
    return this.definitions;
  }

  private index(): KvBucket<string> {
    if (!this.keyIndex) throw new Error('stream store is not open yet');
    return this.keyIndex;
  }
}
