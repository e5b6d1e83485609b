import { GIVEN_UP_PLAYER, type Player, type PlayerCallbacks } from './player';

/** HTTP-FLV through mpegts.js (Media Source Extensions), loaded on first use. */
export async function playFlv(video: HTMLVideoElement, url: string, callbacks: PlayerCallbacks): Promise<Player> {
  const { default: mpegts } = await import('mpegts.js');
  // mpegts.js clears the element's srcObject when it attaches: a WebRTC player chosen while the library loaded would go black.
  if (callbacks.isCurrent?.() === false) return GIVEN_UP_PLAYER;
  if (!mpegts.isSupported()) throw new Error('this browser cannot play FLV (no Media Source Extensions)');
  const player = mpegts.createPlayer(
    { type: 'flv', isLive: true, url, hasAudio: true, hasVideo: true },
    { enableStashBuffer: false, liveBufferLatencyChasing: true, lazyLoad: false, autoCleanupSourceBuffer: true },
  );
  player.on(mpegts.Events.ERROR, (type: string, detail: string) => callbacks.onError(`FLV: ${type} ${detail}`));
  player.attachMediaElement(video);
  player.load();
  void Promise.resolve(player.play()).catch(() => undefined);
  return {
    destroy: () => {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    },
  };
}
