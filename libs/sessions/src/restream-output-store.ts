import type { Redis } from 'ioredis';
import { z } from 'zod';
import { RestreamOutputIdSchema, RestreamOutputReportSchema, StreamIdSchema, type RestreamOutputReport } from '@mediaplane/contracts';
import { restreamKeys } from './redis-keys';

/**
 * One push target of a stream as stored. `url` is a secret (it carries the
 * destination's key): only this store, the API that accepts it and the
 * worker that pushes to it ever hold it; every view is built from
 * `describeRestreamTarget`.
 */
export const RestreamOutputRecordSchema = z.object({
  id: RestreamOutputIdSchema,
  streamId: StreamIdSchema,
  name: z.string().max(100),
  url: z.string().max(2048),
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type RestreamOutputRecord = z.infer<typeof RestreamOutputRecordSchema>;

// The limit is checked and the output written in one step, so concurrent adds cannot pass it together.
const ADD_WITHIN_LIMIT = `
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

// A late report of an output removed meanwhile must not bring its entry back.
const REPORT_IF_EXISTS = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/** Reports outlive the session that made them (the API shows the last figures) but not forever. */
const REPORT_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Restream outputs in Redis: `{ns}:restream:outputs:{streamId}` (hash, output
 * id → record) is the definition; `{ns}:restream:reports:{streamId}` (hash,
 * output id → last runner report) the figures the API shows. Definitions are
 * durable data: run Redis with persistence (AOF) as for the rest of the
 * platform's Redis state that must survive a restart.
 */
export class RestreamOutputStore {
  private readonly keys: ReturnType<typeof restreamKeys>;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = restreamKeys(namespace);
  }

  /** Adds the output unless the stream already has `maxPerStream`; false when the limit stopped it. */
  async add(record: RestreamOutputRecord, maxPerStream: number): Promise<boolean> {
    const value = JSON.stringify(RestreamOutputRecordSchema.parse(record));
    const added = await this.redis.eval(ADD_WITHIN_LIMIT, 1, this.keys.outputs(record.streamId), record.id, value, String(maxPerStream));
    return added === 1;
  }

  /** The stream's outputs, oldest first; entries that no longer parse are skipped. */
  async list(streamId: string): Promise<RestreamOutputRecord[]> {
    const raw = await this.redis.hvals(this.keys.outputs(streamId));
    return raw
      .map((v) => parse(RestreamOutputRecordSchema, v))
      .filter((r): r is RestreamOutputRecord => r !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async get(streamId: string, outputId: string): Promise<RestreamOutputRecord | undefined> {
    const raw = await this.redis.hget(this.keys.outputs(streamId), outputId);
    return raw ? parse(RestreamOutputRecordSchema, raw) : undefined;
  }

  /** False when there was no such output. Its report goes with it. */
  async remove(streamId: string, outputId: string): Promise<boolean> {
    const results = await this.redis.multi().hdel(this.keys.outputs(streamId), outputId).hdel(this.keys.reports(streamId), outputId).exec();
    return results?.[0]?.[1] === 1;
  }

  /** Every output and report of a stream (the stream was deleted). */
  async removeAll(streamId: string): Promise<void> {
    await this.redis.del(this.keys.outputs(streamId), this.keys.reports(streamId));
  }

  /** Keeps the runner's latest report; ignored (false) when the output was removed meanwhile. */
  async saveReport(report: RestreamOutputReport): Promise<boolean> {
    const value = JSON.stringify(RestreamOutputReportSchema.parse(report));
    const saved = await this.redis.eval(
      REPORT_IF_EXISTS,
      2,
      this.keys.outputs(report.streamId),
      this.keys.reports(report.streamId),
      report.outputId,
      value,
      String(REPORT_TTL_MS),
    );
    return saved === 1;
  }

  /** The latest report per output id. */
  async reports(streamId: string): Promise<Map<string, RestreamOutputReport>> {
    const raw = await this.redis.hgetall(this.keys.reports(streamId));
    const out = new Map<string, RestreamOutputReport>();
    for (const [id, value] of Object.entries(raw)) {
      const report = parse(RestreamOutputReportSchema, value);
      if (report) out.set(id, report);
    }
    return out;
  }
}

function parse<T>(schema: z.ZodType<T>, raw: string): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
