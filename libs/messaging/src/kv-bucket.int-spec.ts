import { z } from 'zod';
import { createLogger } from '@mediaplane/observability';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { Bus } from './bus';
import { KvConflictError, jsonValues, kvBucketName, textValues } from './kv-bucket';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ThingSchema = z.object({ name: z.string(), size: z.number().int() });

describe('Bus.kvBucket on a real JetStream', () => {
  const namespace = uniqueNamespace();
  let bus: Bus;

  beforeAll(async () => {
    bus = await Bus.connect(NATS_URL, { namespace, queueGroup: 'test', logger: createLogger({ app: 'test', level: 'silent' }) });
  });

  afterAll(async () => {
    const jsm = await bus.nc.jetstreamManager();
    for (const suffix of ['things', 'index']) await jsm.streams.delete(`KV_${kvBucketName(namespace, suffix)}`).catch(() => undefined);
    await bus.close();
  });

  it('creates, reads, updates by revision and deletes typed values', async () => {
    const things = await bus.kvBucket('things', jsonValues(ThingSchema), { description: 'test things' });
    await things.create('a', { name: 'first', size: 1 });
    await expect(things.create('a', { name: 'again', size: 2 })).rejects.toBeInstanceOf(KvConflictError);
    const read = await things.get('a');
    expect(read).toMatchObject({ key: 'a', value: { name: 'first', size: 1 } });
    await things.update('a', { name: 'second', size: 2 }, read?.revision ?? 0);
    await expect(things.update('a', { name: 'stale', size: 3 }, read?.revision ?? 0)).rejects.toBeInstanceOf(KvConflictError);
    await things.put('b', { name: 'other', size: 5 });
    expect((await things.keys()).sort()).toEqual(['a', 'b']);
    await things.delete('a');
    expect(await things.get('a')).toBeUndefined();
    expect(await things.keys()).toEqual(['b']);
    // A deleted key can be created again.
    await things.create('a', { name: 'reborn', size: 9 });
    expect((await things.get('a'))?.value.name).toBe('reborn');
  });

  it('reads a value that no longer fits the schema as absent', async () => {
    const raw = await bus.kvBucket('things', textValues, { description: 'test things' });
    await raw.put('broken', '{"name":42}');
    const things = await bus.kvBucket('things', jsonValues(ThingSchema), { description: 'test things' });
    expect(await things.get('broken')).toBeUndefined();
  });

  it('watches current values and changes', async () => {
    const index = await bus.kvBucket('index', textValues, { description: 'test index' });
    await index.put('x', 'one');
    const seen: Array<[string, string | undefined]> = [];
    const watch = await index.watch((key, value) => seen.push([key, value]));
    await index.put('y', 'two');
    await index.delete('x');
    await waitFor(() => seen.length >= 3, { what: 'three updates' });
    watch.stop();
    expect(seen).toEqual([
      ['x', 'one'],
      ['y', 'two'],
      ['x', undefined],
    ]);
  });
});
