import type { Page } from 'playwright-core';

export interface PlayerState {
  currentTime: number;
  paused: boolean;
  /** hls.js ERROR events so far. */
  errors: Array<{ type: string; details: string; fatal: boolean }>;
  /** Index of the level hls.js plays. */
  level: number;
}

// These run inside the page; declared here (module scope) because the workspace compiles without the DOM library.
interface TestVideo {
  currentTime: number;
  paused: boolean;
  muted: boolean;
  play(): Promise<void>;
}
interface HlsInstance {
  on(event: string, handler: (event: unknown, data: { type: string; details: string; fatal: boolean }) => void): void;
  loadSource(url: string): void;
  attachMedia(video: TestVideo): void;
  currentLevel: number;
}
interface HlsConstructor {
  new (config?: Record<string, unknown>): HlsInstance;
  Events: { ERROR: string };
}
declare const document: { getElementById(id: string): TestVideo };
declare const window: { Hls: HlsConstructor; player?: HlsInstance; errors: PlayerState['errors'] };

/** Loads hls.js (from node_modules) into the page and plays `url` muted. */
export async function startHlsPlayer(page: Page, url: string, config: Record<string, unknown> = {}): Promise<void> {
  await page.setContent('<!doctype html><video id="v" muted playsinline></video>');
  await page.addScriptTag({ path: require.resolve('hls.js/dist/hls.min.js') });
  await page.evaluate(
    ({ src, cfg }) => {
      window.errors = [];
      const video = document.getElementById('v');
      const hls = new window.Hls(cfg);
      hls.on(window.Hls.Events.ERROR, (_e, d) => window.errors.push({ type: d.type, details: d.details, fatal: d.fatal }));
      hls.loadSource(src);
      hls.attachMedia(video);
      window.player = hls;
      video.muted = true;
      void video.play().catch(() => undefined);
    },
    { src: url, cfg: config },
  );
}

export function hlsPlayerState(page: Page): Promise<PlayerState> {
  return page.evaluate(() => {
    const video = document.getElementById('v');
    return { currentTime: video.currentTime, paused: video.paused, errors: window.errors, level: window.player?.currentLevel ?? -1 };
  });
}
