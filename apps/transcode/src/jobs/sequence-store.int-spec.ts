import { Redis } from 'ioredis';
import { uniqueNamespace } from '@mediaplane/testing';
import { SequenceStore } from './sequence-store';

describe('SequenceStore (real Redis)', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const ns = uniqueNamespace('seq');
  const store = new SequenceStore(redis, ns);

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('starts a stream nobody produced before at 0 without a discontinuity', async () => {
    expect(await store.begin('fresh')).toEqual({ firstMsn: 0, discontinuitySequence: 0, continuing: false });
  });

  it('lets the next producer continue the numbering after one more discontinuity', async () => {
    await store.begin('taken');
    await store.advance('taken', 5);
    await store.advance('taken', 3); // late write of an older rendition: never goes back
    expect(await store.begin('taken')).toEqual({ firstMsn: 5, discontinuitySequence: 0, continuing: true });
    await store.addDiscontinuity('taken'); // an FFmpeg restart inside that job
    await store.advance('taken', 9);
    expect(await store.begin('taken')).toEqual({ firstMsn: 9, discontinuitySequence: 2, continuing: true });
  });

  it("expires a stream's numbering after a day", async () => {
    await store.begin('ttl');
    const ttl = await redis.pttl(`${ns}:hls-seq:ttl`);
    expect(ttl).toBeGreaterThan(23 * 3600 * 1000);
  });
});
