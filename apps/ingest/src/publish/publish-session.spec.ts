import { Registry } from 'prom-client';
import type { Bus } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
import type { LiveStreamStore } from '@mediaplane/sessions';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PublishSession, type PublishSessionDeps } from './publish-session';

/** A relay publish (the SFU's bridge of a WHIP stream) serves viewers but owns nothing cluster-wide. */
describe('a relay publish session', () => {
  const calls: string[] = [];
  const store = {
    claim: async () => (calls.push('claim'), true),
    update: async () => (calls.push('update'), true),
    release: async () => void calls.push('release'),
  } as unknown as LiveStreamStore;
  const metrics = new IngestMetrics(new Registry());
  afterAll(() => metrics.onModuleDestroy());
  const bus = { publish: async (contract: { subject: string }) => void calls.push(`publish ${contract.subject}`) } as unknown as Bus;

  const make = (relay: boolean) => {
    const deps: PublishSessionDeps = {
      bus,
      store,
      logger: createLogger({ app: 'test', level: 'silent' }),
      metrics,
      node: 'ingest-1',
      pullBaseUrl: 'http://127.0.0.1:8081',
      statsIntervalMs: 20,
      codecWaitMs: 20,
      timestampJumpMs: 2000,
      mediaTimeoutMs: 10_000,
      hub: { maxViewerQueueBytes: 1 << 20, viewerStallTimeoutMs: 5000, gopCacheMaxBytes: 1 << 20, flushIntervalMs: 0 },
      relay,
    };
    const grant = { streamId: 's1', name: 's1', private: false, record: false };
    return new PublishSession(grant, { protocol: 'whip', remoteAddress: '127.0.0.1', close: () => undefined }, deps);
  };

  beforeEach(() => (calls.length = 0));

  it('never touches the live state nor announces the stream, from start to end', async () => {
    const session = make(true);
    session.begin();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await session.end('publisher_closed');
    expect(calls).toEqual([]);
  });

  it('unlike a publish of its own, which refreshes the live state and announces start and end', async () => {
    const session = make(false);
    session.begin();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await session.end('publisher_closed');
    expect(calls).toEqual(expect.arrayContaining(['update', 'release']));
    expect(calls.filter((c) => c.startsWith('publish')).map((c) => c.split('.').pop())).toEqual(['started', 'ended']);
  });

  it('withdrawn before it began (an SRT handshake that never completed), gives its claim back and announces nothing', async () => {
    const session = make(false);
    expect(await session.claim()).toBe(true);
    await session.withdraw();
    await session.ended;
    expect(calls).toEqual(['claim', 'release']);
    expect(session.isEnded).toBe(true);
  });

  it('once begun, is not withdrawn: it ends with its events', async () => {
    const session = make(false);
    session.begin();
    await session.withdraw();
    expect(session.isEnded).toBe(false);
    await session.end('publisher_closed');
    expect(calls.filter((c) => c.startsWith('publish')).map((c) => c.split('.').pop())).toEqual(['started', 'ended']);
  });
});
