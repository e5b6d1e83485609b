import type { Redis } from 'ioredis';
import { hlsViewerKeys } from './redis-keys';

/**
 * Each edge's share, stored as `count:expiresAtMs`. Expiry is reckoned on the
 * Redis clock (TIME) on both sides, so edges and readers on hosts with
 * skewed clocks still agree on what is current.
 */
const REPORT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local edge = ARGV[1]
local ttl = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local n = tonumber(ARGV[2 + i])
  if n > 0 then
    redis.call('HSET', key, edge, n .. ':' .. (now + ttl))
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('HDEL', key, edge)
  end
  local fields = redis.call('HGETALL', key)
  for j = 1, #fields, 2 do
    local v = fields[j + 1]
    local exp = tonumber(string.sub(v, (string.find(v, ':', 1, true) or 0) + 1))
    if not exp or exp <= now then redis.call('HDEL', key, fields[j]) end
  end
end
return 1`;

const TOTALS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i, key in ipairs(KEYS) do
  local sum = 0
  for _, v in ipairs(redis.call('HVALS', key)) do
    local sep = string.find(v, ':', 1, true)
    if sep then
      local n = tonumber(string.sub(v, 1, sep - 1))
      local exp = tonumber(string.sub(v, sep + 1))
      if n and exp and exp > now then sum = sum + n end
    end
  end
  out[i] = sum
end
return out`;

/** Keys per script call: bounds one call's work however many streams an edge serves. */
const BATCH = 500;

/**
 * Viewer counts that many instances contribute to, per stream: every
 * instance reports its own counts every few seconds into one hash per
 * stream (field = instance id, value = count and expiry) with a TTL, so a
 * dead instance's share expires by itself, and readers sum the current
 * shares. `keyOf` names a stream's hash (one family per kind of viewer in
 * redis-keys). Kept apart from the live state, which only the publishing
 * session writes, so no two instances ever write the same field.
 */
export class ViewerShareStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (streamId: string) => string,
  ) {}

  /**
   * This instance's current counts, valid for `ttlMs`. A count of 0
   * withdraws its share at once (report streams whose viewers left once with 0).
   */
  async report(instanceId: string, counts: ReadonlyMap<string, number>, ttlMs: number): Promise<void> {
    const entries = [...counts];
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      await this.redis.eval(
        REPORT,
        batch.length,
        ...batch.map(([id]) => this.keyOf(id)),
        instanceId,
        String(Math.max(1, Math.round(ttlMs))),
        ...batch.map(([, n]) => String(Math.max(0, Math.floor(n)))),
      );
    }
  }

  /** Viewers of one stream over every instance whose report is current. */
  async total(streamId: string): Promise<number> {
    return (await this.totals([streamId])).get(streamId) ?? 0;
  }

  /** As `total`, for many streams in few round trips. */
  async totals(streamIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < streamIds.length; i += BATCH) {
      const batch = streamIds.slice(i, i + BATCH);
      const sums = (await this.redis.eval(TOTALS, batch.length, ...batch.map((id) => this.keyOf(id)))) as number[];
      batch.forEach((id, j) => out.set(id, Number(sums[j] ?? 0)));
    }
    return out;
  }
}

/**
 * HLS viewers per stream, cluster-wide. HLS is served by any number of
 * stateless edges, each counting its own viewers into
 * `{ns}:hls-viewers:{streamId}` (field = edge instance id).
 */
export class HlsViewerStore extends ViewerShareStore {
  constructor(redis: Redis, namespace: string) {
    super(redis, hlsViewerKeys(namespace).stream);
  }
}
