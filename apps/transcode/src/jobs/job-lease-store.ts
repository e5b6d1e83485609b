import type { Redis } from 'ioredis';
import { type HlsOrigin } from '@mediaplane/contracts';
import { transcodeKeys } from '@mediaplane/sessions';

/** Who runs a stream's job right now; `token` is unique per claim. */
export interface JobLease {
  worker: string;
  sessionId: string;
  token: string;
  /** JetStream delivery count of the job message when it was claimed. */
  delivery: number;
}

// Refresh the lease and (optionally) publish the origin entry, only while the lease is still ours.
const REFRESH_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['token'] ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4]) end
return 1`;

const RELEASE_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['token'] == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

const REMOVE_ORIGIN_IF_OURS = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local o = cjson.decode(current)
if o['worker'] == ARGV[1] and o['sessionId'] == ARGV[2] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/**
 * The job lease and the HLS origin entry in Redis. JetStream decides who gets
 * a job (the delivery); the lease only lets a worker that was presumed dead
 * (hung past the ack wait) notice that another worker took over, so it stops
 * instead of fighting: every refresh, and every origin write, is conditional
 * on still holding the lease.
 */
export class JobLeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  private leaseKey(streamId: string): string {
    return transcodeKeys(this.namespace).jobLease(streamId);
  }

  /** Unconditional: whoever holds the JetStream delivery is the rightful owner. */
  async take(streamId: string, lease: JobLease, ttlMs: number): Promise<void> {
    await this.redis.set(this.leaseKey(streamId), JSON.stringify(lease), 'PX', ttlMs);
  }

  /** False when the lease is gone or someone else's: stop producing. */
  async refresh(streamId: string, token: string, ttlMs: number, origin?: { record: HlsOrigin; ttlMs: number }): Promise<boolean> {
    const result = await this.redis.eval(
      REFRESH_IF_OWNER,
      2,
      this.leaseKey(streamId),
      transcodeKeys(this.namespace).hlsOrigin(streamId),
      token,
      String(ttlMs),
      origin ? JSON.stringify(origin.record) : '',
      String(origin?.ttlMs ?? 0),
    );
    return result === 1;
  }

  async release(streamId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, this.leaseKey(streamId), token);
  }

  async get(streamId: string): Promise<JobLease | undefined> {
    const raw = await this.redis.get(this.leaseKey(streamId));
    return raw ? (JSON.parse(raw) as JobLease) : undefined;
  }

  /** Removes the origin entry unless another worker or session has replaced it meanwhile. */
  async removeOrigin(streamId: string, worker: string, sessionId: string): Promise<void> {
    await this.redis.eval(REMOVE_ORIGIN_IF_OURS, 1, transcodeKeys(this.namespace).hlsOrigin(streamId), worker, sessionId);
  }
}
