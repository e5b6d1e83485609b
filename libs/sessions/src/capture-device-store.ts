import type { Redis } from 'ioredis';
import { AgentDevicesSchema, type AgentDevices } from '@mediaplane/contracts';
import { captureDeviceKeys } from './redis-keys';

/**
 * Capture agents' device lists in Redis, like the cluster view: one key per
 * agent holding its last announcement with the TTL it asked for (so a dead
 * agent's devices vanish by themselves), a sorted set of expiries for cheap
 * listing, and the stream each device publishes to (kept, so a device reuses
 * its stream and its playback URLs across captures).
 */
export class CaptureDeviceStore {
  private readonly keys: ReturnType<typeof captureDeviceKeys>;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = captureDeviceKeys(namespace);
  }

  async record(announcement: AgentDevices, now = Date.now()): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.agent(announcement.agentId), JSON.stringify(announcement), 'PX', announcement.ttlMs)
      .zadd(this.keys.index, now + announcement.ttlMs, announcement.agentId)
      .exec();
  }

  async remove(agentId: string): Promise<void> {
    await this.redis.multi().del(this.keys.agent(agentId)).zrem(this.keys.index, agentId).exec();
  }

  /** The live agents' announcements, sorted by agent id. */
  async list(now = Date.now()): Promise<AgentDevices[]> {
    await this.redis.zremrangebyscore(this.keys.index, '-inf', now);
    const ids = await this.redis.zrangebyscore(this.keys.index, now, '+inf');
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.agent(id)));
    const out: AgentDevices[] = [];
    for (const value of values) {
      if (!value) continue;
      const parsed = AgentDevicesSchema.safeParse(JSON.parse(value));
      if (parsed.success) out.push(parsed.data);
    }
    return out.sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  async streamOf(deviceId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.deviceStream(deviceId))) ?? undefined;
  }

  async setStreamOf(deviceId: string, streamId: string): Promise<void> {
    await this.redis.set(this.keys.deviceStream(deviceId), streamId);
  }
}
