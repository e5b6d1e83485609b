import type { Redis } from 'ioredis';

/*
 * A share is stored as `payload:expiresAtMs`: the expiry is the digits after
 * the last ':', so a payload may hold colons (JSON) and a count's share reads
 * as before. Expiry is reckoned on the Redis clock (TIME) on both sides, so
 * instances and readers on hosts with skewed clocks still agree on what is
 * current.
 */
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const REPORT = `${NOW_MS}
local instance = ARGV[1]
local ttl = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local payload = ARGV[2 + i]
  if payload ~= '' then
    redis.call('HSET', key, instance, payload .. ':' .. (now + ttl))
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('HDEL', key, instance)
  end
  local fields = redis.call('HGETALL', key)
  for j = 1, #fields, 2 do
    local exp = tonumber(string.match(fields[j + 1], ':(%d+)$'))
    if not exp or exp <= now then redis.call('HDEL', key, fields[j]) end
  end
end
return 1`;

const CURRENT = `${NOW_MS}
local out = {}
for i, key in ipairs(KEYS) do
  local shares = {}
  local fields = redis.call('HGETALL', key)
  for j = 1, #fields, 2 do
    local payload, exp = string.match(fields[j + 1], '^(.*):(%d+)$')
    if payload and tonumber(exp) > now then
      shares[#shares + 1] = fields[j]
      shares[#shares + 1] = payload
    end
  end
  out[i] = shares
end
return out`;

/** Keys per script call: bounds one call's work however many streams an instance serves. */
const BATCH = 500;

/**
 * What many instances each contribute about a stream: every instance
 * reports its own share every few seconds into one hash per stream (field =
 * instance id, value = its payload and expiry) with a TTL, so a dead
 * instance's share expires by itself, and readers take the current shares.
 * `keyOf` names a stream's hash (one family per kind of share in
 * redis-keys). Kept apart from the live state, which only the publishing
 * session writes, so no two instances ever write the same field.
 */
export class InstanceShareStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (streamId: string) => string,
  ) {}

  /**
   * This instance's current shares, valid for `ttlMs`. An undefined payload
   * withdraws its share at once (report a stream it stopped serving once so).
   */
  async report(instanceId: string, payloads: ReadonlyMap<string, string | undefined>, ttlMs: number): Promise<void> {
    const entries = [...payloads];
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      await this.redis.eval(
        REPORT,
        batch.length,
        ...batch.map(([id]) => this.keyOf(id)),
        instanceId,
        String(Math.max(1, Math.round(ttlMs))),
        ...batch.map(([, payload]) => payload ?? ''),
      );
    }
  }

  /** Every stream's current shares by instance id (an empty map for a stream nobody reports). */
  async current(streamIds: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (let i = 0; i < streamIds.length; i += BATCH) {
      const batch = streamIds.slice(i, i + BATCH);
      const replies = (await this.redis.eval(CURRENT, batch.length, ...batch.map((id) => this.keyOf(id)))) as string[][];
      batch.forEach((id, j) => {
        const flat = replies[j] ?? [];
        const shares = new Map<string, string>();
        for (let k = 0; k + 1 < flat.length; k += 2) shares.set(flat[k] as string, flat[k + 1] as string);
        out.set(id, shares);
      });
    }
    return out;
  }
}
