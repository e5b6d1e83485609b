import type { Redis } from 'ioredis';
import { NodeHeartbeatSchema, type NodeHeartbeat } from '@mediaplane/contracts';
import { nodeRegistryKeys } from './redis-keys';

/**
 * The cluster view in Redis: one key per instance holding its last heartbeat
 * with a TTL of three beats (so a killed instance expires by itself), plus a
 * sorted set of expiry times that makes listing cheap without SCAN.
 */
export class NodeRegistry {
  private readonly keys: ReturnType<typeof nodeRegistryKeys>;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = nodeRegistryKeys(namespace);
  }

  private nodeKey(instanceId: string): string {
    return this.keys.entry(instanceId);
  }

  private get indexKey(): string {
    return this.keys.index;
  }

  async record(heartbeat: NodeHeartbeat, now = Date.now()): Promise<void> {
    await this.redis
      .multi()
      .set(this.nodeKey(heartbeat.instanceId), JSON.stringify({ ...heartbeat, receivedAt: new Date(now).toISOString() }), 'PX', heartbeat.ttlMs)
      .zadd(this.indexKey, now + heartbeat.ttlMs, heartbeat.instanceId)
      .exec();
  }

  async remove(instanceId: string): Promise<void> {
    await this.redis.multi().del(this.nodeKey(instanceId)).zrem(this.indexKey, instanceId).exec();
  }

  async list(now = Date.now()): Promise<Array<NodeHeartbeat & { receivedAt: string }>> {
    await this.redis.zremrangebyscore(this.indexKey, '-inf', now);
    const ids = await this.redis.zrangebyscore(this.indexKey, now, '+inf');
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.nodeKey(id)));
    const nodes: Array<NodeHeartbeat & { receivedAt: string }> = [];
    for (const value of values) {
      if (!value) continue;
      const raw = JSON.parse(value) as Record<string, unknown>;
      const parsed = NodeHeartbeatSchema.safeParse(raw);
      if (parsed.success) nodes.push({ ...parsed.data, receivedAt: String(raw['receivedAt']) });
    }
    return nodes.sort((a, b) => a.app.localeCompare(b.app) || a.instanceId.localeCompare(b.instanceId));
  }

  /** Ready instances of one app, e.g. the transcode workers an edge may fetch from. */
  async listApp(app: NodeHeartbeat['app']): Promise<Array<NodeHeartbeat & { receivedAt: string }>> {
    return (await this.list()).filter((n) => n.app === app);
  }
}
