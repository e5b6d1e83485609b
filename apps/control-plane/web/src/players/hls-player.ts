import type { ErrorData, Level } from 'hls.js';
import { GIVEN_UP_PLAYER, type Player, type PlayerCallbacks, type QualityLevel } from './player';

/**
 * HLS from the edge through hls.js (bundled, loaded on first use), reporting
 * the ladder and the level being played; browsers that play HLS natively and
 * have no Media Source Extensions get the plain <video> instead.
 */
export async function playHls(video: HTMLVideoElement, url: string, callbacks: PlayerCallbacks): Promise<Player> {
  const { default: Hls } = await import('hls.js');
  // Given up while the library loaded: the <video> may be the next player's by now.
  if (callbacks.isCurrent?.() === false) return GIVEN_UP_PLAYER;
  if (!Hls.isSupported()) {
    if (!video.canPlayType('application/vnd.apple.mpegurl')) throw new Error('this browser cannot play HLS');
    video.src = url;
    void video.play().catch(() => undefined);
    return { destroy: () => video.removeAttribute('src') };
  }
  // No LL-HLS parts here (FFmpeg's muxer has none): plain live HLS, three segments behind the edge.
  const hls = new Hls({ liveSyncDurationCount: 3, backBufferLength: 30 });
  const report = () => callbacks.onQuality?.({ levels: hls.levels.map(toQualityLevel), current: hls.currentLevel, auto: hls.autoLevelEnabled });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) callbacks.onError(describeError(data));
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    report();
    void video.play().catch(() => undefined);
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, report);
  hls.loadSource(url);
  hls.attachMedia(video);
  return {
    destroy: () => hls.destroy(),
    setLevel: (index) => {
      // currentLevel switches now (flushing what is buffered), so the choice shows at once; -1 hands it back to ABR.
      hls.currentLevel = index;
      report();
    },
  };
}

function toQualityLevel(level: Level): QualityLevel {
  return { name: level.name || renditionName(level.uri) || `${level.height}p`, width: level.width, height: level.height, bitrate: level.bitrate };
}

/** `…/hls/{id}/720p/index.m3u8?token=…` → `720p`: the edge names each rendition's folder after it. */
function renditionName(uri: string): string | undefined {
  try {
    const parts = new URL(uri, location.href).pathname.split('/');
    return parts.length >= 2 ? parts[parts.length - 2] : undefined;
  } catch {
    return undefined;
  }
}

function describeError(data: ErrorData): string {
  const status = data.response?.code;
  if (data.details === 'manifestLoadError' && status === 404) return 'HLS is not ready yet (the edge has no playlist for this stream so far)';
  if (status === 401 || status === 403) return `HLS: the edge refused the playback token (${status})`;
  return `HLS: ${data.type} ${data.details}${status ? ` (${status})` : ''}`;
}
