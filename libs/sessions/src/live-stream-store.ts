import type { Redis } from 'ioredis';
import { z } from 'zod';
import { MediaInfoSchema, PlaybackProtocolSchema, PublishProtocolSchema, SrtLinkStatsSchema, StreamIdSchema } from '@mediaplane/contracts';
import { liveStreamKeys } from './redis-keys';

export const LiveStreamStateSchema = z.object({
  streamId: StreamIdSchema,
  sessionId: z.string(),
  /** Instance id of the node holding the publisher. */
  node: z.string(),
  /** Where other services pull the stream from (internal FLV base URL of that node). */
  pullUrl: z.string().optional(),
  /**
   * The same pull as MPEG-TS (`…/live/{id}.ts`, internal token only): for
   * services whose FFmpeg cannot read the stream's FLV (Debian's FFmpeg 5.1
   * and HEVC, whether E-RTMP 'hvc1' or codec id 12).
   */
  pullUrlTs: z.string().optional(),
  protocol: PublishProtocolSchema,
  private: z.boolean(),
  startedAt: z.string(),
  updatedAt: z.string(),
  media: MediaInfoSchema,
  bitrateKbps: z.number().nonnegative(),
  viewers: z.partialRecord(PlaybackProtocolSchema, z.number().int().nonnegative()),
  /** Link statistics of the publisher's connection, where the protocol has them (SRT). */
  link: SrtLinkStatsSchema.optional(),
});
export type LiveStreamState = z.infer<typeof LiveStreamStateSchema>;

// Update only while we still own the entry, so a stale publisher cannot overwrite a takeover.
const UPDATE_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['sessionId'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const DELETE_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['sessionId'] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;

/**
 * Who is publishing what, cluster-wide. An entry is claimed atomically
 * (SET NX) so one stream has one publisher across all ingest nodes, and has a
 * TTL its holder refreshes; a crashed node's streams expire by themselves.
 */
export class LiveStreamStore {
  private readonly keys: ReturnType<typeof liveStreamKeys>;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = liveStreamKeys(namespace);
  }

  private key(streamId: string): string {
    return this.keys.entry(streamId);
  }

  private get indexKey(): string {
    return this.keys.index;
  }

  /** True when this session now holds the stream; false when another publisher is live. */
  async claim(state: LiveStreamState, ttlMs: number): Promise<boolean> {
    const ok = await this.redis.set(this.key(state.streamId), JSON.stringify(state), 'PX', ttlMs, 'NX');
    if (ok) await this.redis.sadd(this.indexKey, state.streamId);
    return ok === 'OK';
  }

  async update(state: LiveStreamState, ttlMs: number): Promise<boolean> {
    const result = await this.redis.eval(UPDATE_IF_OWNER, 1, this.key(state.streamId), state.sessionId, JSON.stringify(state), String(ttlMs));
    return result === 1;
  }

  async release(streamId: string, sessionId: string): Promise<void> {
    await this.redis.eval(DELETE_IF_OWNER, 2, this.key(streamId), this.indexKey, sessionId, streamId);
  }

  async get(streamId: string): Promise<LiveStreamState | undefined> {
    const raw = await this.redis.get(this.key(streamId));
    if (!raw) return undefined;
    const parsed = LiveStreamStateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** All live streams; prunes index entries whose TTL ran out. */
  async list(): Promise<LiveStreamState[]> {
    const ids = await this.redis.smembers(this.indexKey);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.key(id)));
    const live: LiveStreamState[] = [];
    const gone: string[] = [];
    values.forEach((raw, i) => {
      const parsed = raw ? LiveStreamStateSchema.safeParse(JSON.parse(raw)) : undefined;
      if (parsed?.success) live.push(parsed.data);
      else gone.push(ids[i] as string);
    });
    if (gone.length > 0) await this.redis.srem(this.indexKey, ...gone);
    return live;
  }
}
