import { existsSync } from 'node:fs';
import type { RtcEngine, RtcEngineName, RtcEngineOptions } from './rtc-engine';

export type RtcEngineChoice = 'auto' | RtcEngineName;

/**
 * Where mediasoup's worker is: MEDIASOUP_WORKER_BIN when set (our set-up points
 * it at ../shared/bin), else the binary a plain `npm install mediasoup` puts in
 * the package. Undefined when neither exists (an offline install).
 */
export function findMediasoupWorker(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env['MEDIASOUP_WORKER_BIN'];
  if (configured) return existsSync(configured) ? configured : undefined;
  try {
    const packageDir = require.resolve('mediasoup/package.json').replace(/package\.json$/, '');
    const bundled = `${packageDir}worker/out/Release/mediasoup-worker`;
    return existsSync(bundled) ? bundled : undefined;
  } catch {
    return undefined;
  }
}

/** auto: mediasoup whenever a worker exists, werift otherwise. A forced engine that cannot run is an error. */
export function resolveEngineName(choice: RtcEngineChoice, env: NodeJS.ProcessEnv = process.env): RtcEngineName {
  if (choice === 'werift') return 'werift';
  const worker = findMediasoupWorker(env);
  if (choice === 'mediasoup' && !worker) {
    throw new Error('SFU_ENGINE=mediasoup but no mediasoup worker exists (set MEDIASOUP_WORKER_BIN to one)');
  }
  return worker ? 'mediasoup' : 'werift';
}

/** Loads only the chosen engine's module, so a machine without one never loads it. */
export async function createRtcEngine(name: RtcEngineName, options: RtcEngineOptions): Promise<RtcEngine> {
  if (name === 'mediasoup') {
    const { MediasoupEngine } = await import('./mediasoup/mediasoup-engine');
    return MediasoupEngine.create(options);
  }
  const { WeriftEngine } = await import('./werift/werift-engine');
  return WeriftEngine.create(options);
}
