import type { LiveStateView, Rendition, SrtPublishSettings, SrtSettingsView, StreamView, WebrtcBridgeView } from '@mediaplane/contracts';
import type { LiveStreamState, RelayViewerCounts } from '@mediaplane/sessions';
import type { PublicUrls } from './public-urls';
import type { StreamDefinition } from './stream.schemas';

/** What other services add to a live stream's state: the edges' HLS viewers, relaying ingest nodes' viewers, SFU nodes' WebRTC bridges. */
export interface LiveShares {
  /** HLS viewers summed over every edge (`HlsViewerStore`). */
  hlsViewers: number;
  /** Viewers of ingest nodes that relay the stream from its origin, per protocol, summed over those nodes (`RelayViewerStore`). */
  relayViewers?: RelayViewerCounts;
  /** The SFU nodes bridging the stream to WebRTC (`WebrtcBridgeStore`). */
  webrtcBridges?: WebrtcBridgeView[];
}

/** LiveShares and the transcoder's renditions. */
export interface LiveExtras extends LiveShares {
  renditions: Rendition[];
}

/** The API's view of a stream: its definition, its live state if any, and its URLs (never its key). */
export function toStreamView(
  definition: StreamDefinition,
  live: LiveStreamState | undefined,
  extras: LiveExtras,
  urls: PublicUrls,
  now = new Date(),
): StreamView {
  return {
    id: definition.id,
    name: definition.name,
    private: definition.private,
    record: definition.record,
    ladder: definition.ladder ?? null,
    createdAt: definition.createdAt,
    updatedAt: definition.updatedAt,
    keyRotatedAt: definition.keyRotatedAt ?? null,
    srt: toSrtSettingsView(definition.srt),
    live: live !== undefined,
    state: live ? toLiveStateView(live, extras, now) : null,
    renditions: live ? extras.renditions : [],
    ingest: urls.ingestServers(definition.id),
    playback: urls.playback(definition.id),
  };
}

/** Whether a passphrase is set, never the passphrase itself. */
export function toSrtSettingsView(srt: SrtPublishSettings | undefined): SrtSettingsView {
  const passphraseSet = srt?.passphrase !== undefined;
  return { passphraseSet, keyLength: passphraseSet ? (srt?.keyLength ?? 16) : null, latencyMs: srt?.latencyMs ?? null };
}

/**
 * Viewers: the origin ingest node's own protocols from its live state, plus
 * what ingest nodes relaying the stream serve per protocol, the WebRTC
 * bridges' WHEP viewers, and HLS from the edges (HLS is never the ingest's to
 * count, so an `hls` entry there is ignored).
 */
export function toLiveStateView(live: LiveStreamState, shares: LiveShares, now = new Date()): LiveStateView {
  const { video, audio } = live.media;
  const viewers = { ...live.viewers, hls: shares.hlsViewers };
  for (const [protocol, n] of Object.entries(shares.relayViewers ?? {}) as Array<[keyof RelayViewerCounts, number]>)
    viewers[protocol] = (viewers[protocol] ?? 0) + n;
  const webrtcBridges = shares.webrtcBridges ?? [];
  for (const bridge of webrtcBridges) viewers.whep = (viewers.whep ?? 0) + bridge.viewers;
  const viewersTotal = Object.values(viewers).reduce((sum, n) => sum + (n ?? 0), 0);
  const started = Date.parse(live.startedAt);
  return {
    protocol: live.protocol,
    node: live.node,
    startedAt: live.startedAt,
    updatedAt: live.updatedAt,
    uptimeSeconds: Number.isFinite(started) ? Math.max(0, Math.floor((now.getTime() - started) / 1000)) : 0,
    codecs: [video, audio].filter((m) => m !== undefined).map((m) => m.codecString ?? m.codec),
    videoCodec: video?.codec ?? null,
    audioCodec: audio?.codec ?? null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    fps: video?.fps ?? null,
    audioSampleRate: audio?.sampleRate ?? null,
    audioChannels: audio?.channels ?? null,
    bitrateKbps: live.bitrateKbps,
    viewers,
    viewersTotal,
    link: live.link ?? null,
    webrtcBridges,
  };
}
