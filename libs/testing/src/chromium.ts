import { chromium, type Browser } from 'playwright-core';

/** The house flags for Debian's Chromium (ARCHITECTURE.md), plus autoplay for muted test players. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** WebRTC tests keep media on loopback: Chromium must be allowed to use it for peer connections. */
export const CHROMIUM_WEBRTC_ARGS = ['--allow-loopback-in-peer-connection'];

/** Headless Debian Chromium driven by playwright-core (`npx playwright install` cannot work here). */
export function launchChromium(options: { webrtc?: boolean } = {}): Promise<Browser> {
  const args = options.webrtc ? [...CHROMIUM_ARGS, ...CHROMIUM_WEBRTC_ARGS] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args });
}
