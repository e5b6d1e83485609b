import type { Redis } from 'ioredis';
import { transcodeKeys } from '@mediaplane/sessions';

/** Where a new producer of a stream's playlists starts. */
export interface SequenceStart {
  /** First media sequence number to use. */
  firstMsn: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE of the new playlist: discontinuities issued before it. */
  discontinuitySequence: number;
  /** Someone produced this stream before (takeover or new session): the first segment is a discontinuity. */
  continuing: boolean;
}

const TTL_MS = 24 * 3600 * 1000;

/**
 * Per-stream HLS numbering in Redis, so a worker that takes a stream over (or
 * a new session of it) continues the media sequence where the last producer
 * stopped and counts its discontinuity: players see one playlist that goes
 * on, never one that jumps back.
 */
export class SequenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  private key(streamId: string): string {
    return transcodeKeys(this.namespace).hlsSequence(streamId);
  }

  async begin(streamId: string): Promise<SequenceStart> {
    const key = this.key(streamId);
    const state = await this.redis.hgetall(key);
    const continuing = state['nextMsn'] !== undefined;
    const firstMsn = continuing ? Number(state['nextMsn']) || 0 : 0;
    const discontinuitySequence = continuing ? Number(state['discontinuities']) || 0 : 0;
    await this.redis
      .multi()
      .hset(key, 'nextMsn', String(firstMsn), 'discontinuities', String(discontinuitySequence + (continuing ? 1 : 0)))
      .pexpire(key, TTL_MS)
      .exec();
    return { firstMsn, discontinuitySequence, continuing };
  }

  /** Records the next free sequence number (only ever raised). */
  async advance(streamId: string, nextMsn: number): Promise<void> {
    await this.redis.eval(
      `local c = tonumber(redis.call('HGET', KEYS[1], 'nextMsn') or '0')
       if tonumber(ARGV[1]) > c then redis.call('HSET', KEYS[1], 'nextMsn', ARGV[1]) end
       redis.call('PEXPIRE', KEYS[1], ARGV[2])
       return 1`,
      1,
      this.key(streamId),
      String(nextMsn),
      String(TTL_MS),
    );
  }

  /** A restart of FFmpeg inside a job: one more discontinuity tag. */
  async addDiscontinuity(streamId: string): Promise<void> {
    await this.redis.multi().hincrby(this.key(streamId), 'discontinuities', 1).pexpire(this.key(streamId), TTL_MS).exec();
  }
}
