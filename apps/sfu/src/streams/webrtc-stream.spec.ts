import { EventEmitter } from 'node:events';
import type { Bus } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';
import type { RtcPeer, RtcProducer, RtcRouter } from '../engine/rtc-engine';
import { WebrtcStream } from './webrtc-stream';

/** What a relayed WHIP stream writes and announces, in order: the hard part is who owns the live state. */
describe('a WHIP stream relayed into an ingest', () => {
  const grant = { streamId: 's1', name: 'n', private: false, record: true, ladder: undefined };
  let journal: string[];
  let states: LiveStreamState[];
  let published: Array<{ subject: string; payload: Record<string, unknown> }>;

  const make = (announceWaitMs = 5000) => {
    journal = [];
    states = [];
    published = [];
    const store = {
      claim: async (state: LiveStreamState) => (states.push(state), journal.push('claim'), true),
      update: async (state: LiveStreamState) => (states.push(state), journal.push(`update${state.pullUrl ? ' pullUrl' : ''}`), true),
      release: async () => void journal.push('release'),
    } as unknown as LiveStreamStore;
    const bus = {
      publish: async (contract: { subject: string }, _params: unknown, payload: Record<string, unknown>) => {
        published.push({ subject: contract.subject, payload });
        journal.push(contract.subject.endsWith('started') ? 'started' : 'ended');
      },
    } as unknown as Bus;
    const publisher = Object.assign(new EventEmitter(), {
      close: () => undefined,
      stats: async () => ({ bytesReceived: 0, bytesSent: 0 }),
    }) as unknown as RtcPeer;
    const router = { close: () => undefined } as unknown as RtcRouter;
    const producers = [{ kind: 'video', mimeType: 'video/H264' }] as unknown as RtcProducer[];
    return new WebrtcStream(grant, router, publisher, producers, {
      bus,
      store,
      logger: createLogger({ app: 'test', level: 'silent' }),
      node: 'sfu-1',
      statsIntervalMs: 60_000,
      announceWaitMs,
    });
  };

  it('claims the live state, then announces stream.started (with its settings) only once the pull URL is written', async () => {
    const stream = make();
    expect(await stream.claim()).toBe(true);
    stream.attachRelay({ stop: async () => void journal.push('relay stopped') });
    await stream.begin();
    expect(journal).toEqual(['claim']);
    await stream.setPullUrl('http://10.0.0.9:8081/live/s1.flv');
    await new Promise((resolve) => setImmediate(resolve));
    expect(journal).toEqual(['claim', 'update pullUrl', 'started']);
    expect(states.at(-1)).toMatchObject({ node: 'sfu-1', protocol: 'whip', pullUrl: 'http://10.0.0.9:8081/live/s1.flv' });
    expect(published[0]?.payload).toMatchObject({ protocol: 'whip', media: { video: { codec: 'h264' } }, settings: { private: false, record: true } });
    await stream.end('publisher_closed');
    expect(journal.slice(3)).toEqual(['relay stopped', 'release', 'ended']);
  });

  it('announces without a pull URL when the relay does not flow in time, and still ends after it started', async () => {
    const stream = make(50);
    await stream.claim();
    stream.attachRelay({ stop: async () => undefined });
    await stream.begin();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(journal).toEqual(['claim', 'started']);
    await stream.end('publisher_closed');
    expect(journal).toEqual(['claim', 'started', 'release', 'ended']);
  });

  it('that ends before its relay flowed sends started before ended', async () => {
    const stream = make(60_000);
    await stream.claim();
    stream.attachRelay({ stop: async () => undefined });
    await stream.begin();
    await stream.end('publisher_closed');
    expect(journal).toEqual(['claim', 'started', 'release', 'ended']);
  });

  it('without a relay announces at once, as before', async () => {
    const stream = make();
    await stream.claim();
    await stream.begin();
    expect(journal).toEqual(['claim', 'started']);
    expect(states[0]?.pullUrl).toBeUndefined();
  });
});
