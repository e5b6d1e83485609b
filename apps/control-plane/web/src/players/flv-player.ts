import type { Player, PlayerCallbacks } from './player';

/** HTTP-FLV through mpegts.js (Media Source Extensions), loaded on first use. */
export async function playFlv(video: HTMLVideoElement, url: string, callbacks: PlayerCallbacks): Promise<Player> {
  const { default: mpegts } = await import('mpegts.js');
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
