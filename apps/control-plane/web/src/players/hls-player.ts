import type { Player } from './player';

/** HLS through hls.js (or the browser itself where it plays HLS natively), loaded on first use. */
export async function playHls(video: HTMLVideoElement, url: string, onError: (message: string) => void): Promise<Player> {
  const { default: Hls } = await import('hls.js');
  if (!Hls.isSupported()) {
    if (!video.canPlayType('application/vnd.apple.mpegurl')) throw new Error('this browser cannot play HLS');
    video.src = url;
    void video.play().catch(() => undefined);
    return { destroy: () => video.removeAttribute('src') };
  }
  const hls = new Hls({ lowLatencyMode: true, liveSyncDurationCount: 3 });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) onError(`HLS: ${data.type} ${data.details}`);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  return { destroy: () => hls.destroy() };
}
