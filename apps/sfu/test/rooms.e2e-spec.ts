import type { Browser } from 'playwright-core';
import { WebSocket } from 'ws';
import { BrowserRoomClient, killAllChildren, launchChromium, waitFor, type RoomProducerInPage } from '@mediaplane/testing';
import { SfuHarness } from './sfu-harness';
import { availableEngines } from './sfu-engines';

jest.setTimeout(180_000);

interface RoomToken {
  token: string;
  url: string;
  expiresAt: string;
}

const { engines } = availableEngines();

/**
 * Three Chromium pages join one room with tokens from the control plane's
 * API: each publishes camera and microphone, sees the others' producers,
 * subscribes to them and decodes their video, and the room's data channel
 * carries application messages from each to the other two.
 */
describe.each(engines)('rooms with the %s engine (three Chromium peers, real platform)', (engine) => {
  let harness: SfuHarness;
  let browser: Browser;
  const peers: BrowserRoomClient[] = [];
  const roomId = `standup-${engine}`;
  let sfuUrl = '';

  const token = (identity: string, grants?: Record<string, boolean>, id = roomId) =>
    harness.api<RoomToken>('POST', `/rooms/${id}/tokens`, { identity, ...(grants ? { grants } : {}) });
  /** The room URL the API returns points at the configured public host; the test's SFU runs on its own port. */
  const roomUrl = (t: RoomToken, id = roomId) => `${sfuUrl.replace('http:', 'ws:')}/rooms/${id}?token=${encodeURIComponent(t.token)}`;

  beforeAll(async () => {
    [harness, browser] = await Promise.all([SfuHarness.start([engine]), launchChromium({ webrtc: true })]);
    sfuUrl = harness.sfu(engine).httpUrl;
    for (let i = 0; i < 3; i++) peers.push(await BrowserRoomClient.open(await browser.newPage(), `${sfuUrl}/healthz`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
    await killAllChildren();
  });

  it('refuses a socket without a token (401) or with a token for another room (403)', async () => {
    const ws = sfuUrl.replace('http:', 'ws:');
    /** The HTTP status the upgrade is refused with (101 when it is accepted). */
    const status = (url: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          socket.terminate();
        });
        socket.once('open', () => {
          resolve(101);
          socket.close();
        });
        socket.once('error', (error) => reject(error));
      });
    expect(await status(`${ws}/rooms/${roomId}`)).toBe(401);
    const other = await token('mallory', undefined, 'another-room');
    expect(await status(`${ws}/rooms/${roomId}?token=${encodeURIComponent(other.token)}`)).toBe(403);
  });

  it('lets three participants join, publish and see each other', async () => {
    const names = ['alice', 'bob', 'carol'];
    for (const [i, peer] of peers.entries()) {
      const joined = await peer.join(roomUrl(await token(names[i] as string)));
      expect(joined.participants).toHaveLength(i);
    }
    for (const peer of peers) {
      const published = await peer.publish(true);
      expect(published.type).toBe('published');
      expect(published.producers?.map((p) => p.kind).sort()).toEqual(['audio', 'video']);
    }
    // Everyone learned of the other two participants' producers as they came.
    for (const peer of peers) {
      await waitFor(async () => ((await peer.messages()).filter((m) => m.type === 'producer-added').length >= 4 ? true : undefined), {
        what: 'four producer-added messages',
      });
    }
  });

  it("subscribes each participant to the others' producers and decodes their video", async () => {
    for (const peer of peers) {
      const others: RoomProducerInPage[] = (await peer.messages()).filter((m) => m.type === 'producer-added').map((m) => m.producer as RoomProducerInPage);
      const subscribed = await peer.subscribe(others);
      expect(subscribed.type).toBe('subscribed');
      await waitFor(
        async () => {
          const inbound = await peer.inbound(subscribed.pc as number);
          return inbound.framesDecoded > 20 && inbound.audioBytes > 1000 ? true : undefined;
        },
        { timeoutMs: 40_000, what: 'frames from the two other participants' },
      );
    }
  });

  it('relays data-channel messages from each participant to the other two', async () => {
    for (const peer of peers) await waitFor(() => peer.channelOpen(), { timeoutMs: 20_000, what: 'the data channel to open' });
    for (const [i, peer] of peers.entries()) expect(await peer.sendData(`hello from ${i}`)).toBe(true);
    for (const [i, peer] of peers.entries()) {
      const got = await waitFor(
        async () => {
          const received = (await peer.received()).map((r) => (JSON.parse(r) as { data: string }).data);
          return received.length >= 2 ? received : undefined;
        },
        { what: `participant ${i} to receive two messages` },
      );
      expect(got.sort()).toEqual([0, 1, 2].filter((j) => j !== i).map((j) => `hello from ${j}`));
    }
  });

  it('answers a malformed message with an error and keeps the socket', async () => {
    await peers[0]?.sendRaw('{"type":"subscribe","requestId":"x"}');
    const error = await peers[0]?.waitFor('error');
    expect(error).toMatchObject({ code: 'bad_message' });
    await peers[0]?.sendRaw('{"type":"mute","requestId":"m1","producerId":"nope","muted":true}');
    await waitFor(async () => ((await peers[0]?.messages())?.some((m) => m.type === 'error' && m.code === 'not_found') ? true : undefined), {
      what: 'a not_found error for an unknown producer',
    });
  });

  it('tells the others when a participant leaves, and closes its peers', async () => {
    const leaving = peers.pop() as BrowserRoomClient;
    await leaving.leave();
    for (const peer of peers) {
      await waitFor(async () => ((await peer.messages()).some((m) => m.type === 'participant-left') ? true : undefined), { what: 'participant-left' });
    }
    await waitFor(async () => ((await harness.metric(engine, 'mediaplane_sfu_engine_objects', { object: 'peers' })) === 4 ? true : undefined), {
      what: 'the leaver’s peers closed (4 left: publish and subscribe of two participants)',
    });
  });
});
