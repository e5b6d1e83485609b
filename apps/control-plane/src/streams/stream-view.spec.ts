import { LiveStateViewSchema, PlaybackProtocolSchema, StreamViewSchema, ViewersViewSchema, type SrtLinkStats } from '@mediaplane/contracts';
import type { LiveStreamState } from '@mediaplane/sessions';
import { PublicUrls } from './public-urls';
import type { StreamDefinition } from './stream.schemas';
import { toStreamView } from './stream-view';

describe('toStreamView', () => {
  const urls = new PublicUrls({ MEDIAPLANE_PUBLIC_HOST: 'h', CONTROL_PLANE_HTTP_PORT: 8080 });
  const definition: StreamDefinition = {
    id: 's1',
    name: 'Show',
    keyHash: 'a'.repeat(64),
    private: false,
    record: false,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
  const live: LiveStreamState = {
    streamId: 's1',
    sessionId: 'sess',
    node: 'ingest-1',
    protocol: 'rtmp',
    private: false,
    startedAt: '2025-01-01T00:01:00.000Z',
    updatedAt: '2025-01-01T00:01:30.000Z',
    media: { video: { codec: 'h264', codecString: 'avc1.64001f', width: 1280, height: 720, fps: 30 }, audio: { codec: 'aac', sampleRate: 48000, channels: 2 } },
    bitrateKbps: 2500,
    viewers: { flv: 2, wsflv: 1 },
  };

  it('never carries the key or its hash', () => {
    expect(JSON.stringify(toStreamView(definition, live, { renditions: [], hlsViewers: 0 }, urls))).not.toContain('a'.repeat(64));
  });

  describe('SRT settings', () => {
    it('say whether a passphrase is set, never the passphrase', () => {
      const secret = 'do-not-show-me-1';
      const view = toStreamView({ ...definition, srt: { passphrase: secret, latencyMs: 300 } }, undefined, { renditions: [], hlsViewers: 0 }, urls);
      expect(view.srt).toEqual({ passphraseSet: true, keyLength: 16, latencyMs: 300 });
      expect(JSON.stringify(view)).not.toContain(secret);
      expect(StreamViewSchema.safeParse(view).success).toBe(true);
    });

    it('are all unset for a stream without them', () => {
      expect(toStreamView(definition, undefined, { renditions: [], hlsViewers: 0 }, urls).srt).toEqual({
        passphraseSet: false,
        keyLength: null,
        latencyMs: null,
      });
    });
  });

  describe('when nobody publishes', () => {
    it('says so and lists no renditions', () => {
      const view = toStreamView(definition, undefined, { renditions: [{ name: 'x', width: 1, height: 1, bandwidth: 1, codecs: 'c' }], hlsViewers: 0 }, urls);
      expect(view).toMatchObject({ live: false, state: null, renditions: [] });
    });
  });

  describe('when a publisher is live', () => {
    it('flattens codecs, size, frame rate, bitrate, start time and viewers per protocol, HLS from the edges included', () => {
      const view = toStreamView(definition, live, { renditions: [], hlsViewers: 3 }, urls, new Date('2025-01-01T00:02:00.000Z'));
      expect(view.state).toEqual({
        protocol: 'rtmp',
        node: 'ingest-1',
        startedAt: live.startedAt,
        updatedAt: live.updatedAt,
        uptimeSeconds: 60,
        codecs: ['avc1.64001f', 'aac'],
        videoCodec: 'h264',
        audioCodec: 'aac',
        width: 1280,
        height: 720,
        fps: 30,
        audioSampleRate: 48000,
        audioChannels: 2,
        bitrateKbps: 2500,
        viewers: { flv: 2, wsflv: 1, hls: 3 },
        viewersTotal: 6,
        link: null,
        webrtcBridges: [],
      });
    });

    it('shows the SRT link statistics and SRT viewers of an SRT publisher', () => {
      const link: SrtLinkStats = {
        rttMs: 12.5,
        bandwidthKbps: 90_000,
        receiveRateKbps: 2400,
        packetsReceived: 5000,
        packetsLost: 40,
        packetsRetransmitted: 38,
        packetsDropped: 2,
        receiveBufferMs: 118,
        latencyMs: 120,
      };
      const state = toStreamView(definition, { ...live, protocol: 'srt', link, viewers: { srt: 2, flv: 1 } }, { renditions: [], hlsViewers: 0 }, urls).state;
      expect(state).toMatchObject({ protocol: 'srt', link, viewers: { srt: 2, flv: 1, hls: 0 }, viewersTotal: 3 });
      expect(LiveStateViewSchema.strict().safeParse(state).success).toBe(true);
    });

    it('matches the documented (OpenAPI) schema, with one viewers entry per playback protocol', () => {
      const state = toStreamView(definition, live, { renditions: [], hlsViewers: 3 }, urls).state;
      expect(LiveStateViewSchema.strict().safeParse(state).success).toBe(true);
      expect(Object.keys(ViewersViewSchema.shape).sort()).toEqual([...PlaybackProtocolSchema.options].sort());
    });

    it('shows hls: 0 while nobody watches over HLS', () => {
      expect(toStreamView(definition, live, { renditions: [], hlsViewers: 0 }, urls).state).toMatchObject({
        viewers: { flv: 2, wsflv: 1, hls: 0 },
        viewersTotal: 3,
      });
    });

    it("takes the HLS count from the edges only, never from the ingest node's entry", () => {
      const stale = { ...live, viewers: { flv: 2, hls: 40 } };
      expect(toStreamView(definition, stale, { renditions: [], hlsViewers: 1 }, urls).state).toMatchObject({ viewers: { flv: 2, hls: 1 }, viewersTotal: 3 });
    });

    it('adds the viewers of ingest nodes relaying the stream to the origin’s own, per protocol', () => {
      const view = toStreamView(definition, live, { renditions: [], hlsViewers: 1, relayViewers: { flv: 20, rtmp: 3 } }, urls);
      expect(view.state).toMatchObject({ viewers: { flv: 22, wsflv: 1, rtmp: 3, hls: 1 }, viewersTotal: 27 });
    });

    it("shows the SFU nodes' WebRTC bridges of the stream and counts their viewers as WHEP viewers", () => {
      const webrtcBridges = [
        { node: 'sfu-a', mode: 'passthrough' as const, viewers: 4, startedAt: '2025-01-01T00:01:10.000Z' },
        { node: 'sfu-b', mode: 'passthrough' as const, viewers: 1, startedAt: '2025-01-01T00:01:20.000Z' },
      ];
      const view = toStreamView(definition, live, { renditions: [], hlsViewers: 0, webrtcBridges }, urls);
      expect(view.state).toMatchObject({ viewers: { flv: 2, wsflv: 1, hls: 0, whep: 5 }, viewersTotal: 8, webrtcBridges });
      expect(LiveStateViewSchema.strict().safeParse(view.state).success).toBe(true);
    });

    it('shows no bridges, and no WHEP viewers, while nobody watches over WebRTC', () => {
      const state = toStreamView(definition, live, { renditions: [], hlsViewers: 0 }, urls).state;
      expect(state?.webrtcBridges).toEqual([]);
      expect(state?.viewers.whep).toBeUndefined();
    });
  });
});
