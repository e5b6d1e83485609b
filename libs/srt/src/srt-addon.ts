import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findNativeAddon } from '@mediaplane/media-io';

/** The addon's directory of compiled modules, relative to the repository (or image) root. */
const SRT_ADDON_DIR = ['libs', 'srt', 'native', 'build', 'Release'];
export const SRT_ADDON_FILE = 'mediaplane_srt.node';
/** Environment variable naming the .node file to load instead of searching for it. */
export const SRT_ADDON_ENV = 'MEDIAPLANE_SRT_ADDON';

/** What the native module exports (libs/srt/native/src). */
export interface SrtAddon {
  readonly libsrtVersion: string;
  readonly SrtServerHandle: new (options: NativeServerOptions, onDecide: NativeDecideCallback, onEvents: (events: NativeEvent[]) => void) => NativeServerHandle;
}

export interface NativeServerOptions {
  host: string;
  port: number;
  latencyMs: number;
  decisionTimeoutMs: number;
  maxConnections: number;
  maxUndeliveredBytes: number;
}

export type NativeDecideCallback = (requestId: number, streamId: string, address: string, port: number) => void;

export type NativeDecision = { accept: true; passphrase?: string; keyLength?: number; latencyMs?: number } | { accept: false; rejectCode: number };

export type NativeEvent =
  | { type: 'accept'; id: number; streamId: string; address: string; port: number }
  | { type: 'data'; id: number; data: Buffer }
  | { type: 'close'; id: number; reason: string }
  | { type: 'error'; message: string }
  | { type: 'closed' };

/** libsrt's CBytePerfMon fields the addon copies out of srt_bstats (counters since the connection began). */
export interface NativeStats {
  msRTT: number;
  mbpsBandwidth: number;
  mbpsRecvRate: number;
  mbpsSendRate: number;
  pktRecvTotal: number;
  pktSentTotal: number;
  pktRcvLossTotal: number;
  pktSndLossTotal: number;
  pktRcvRetrans: number;
  pktRetransTotal: number;
  pktRcvDropTotal: number;
  pktSndDropTotal: number;
  byteRecvTotal: number;
  byteSentTotal: number;
  msRcvBuf: number;
  msRcvTsbPdDelay: number;
  msSndTsbPdDelay: number;
}

export interface NativeServerHandle {
  port(): number;
  /** False when the listen callback no longer waits for this request (it timed out). */
  resolveDecision(requestId: number, decision: NativeDecision): boolean;
  /** 1 sent, 0 send buffer full, -1 connection gone. */
  write(id: number, chunk: Buffer): number;
  stats(id: number): NativeStats | undefined;
  closeConnection(id: number): void;
  close(): void;
  join(): void;
}

/**
 * Where the compiled addon is: $MEDIAPLANE_SRT_ADDON, else the first
 * libs/srt/native/build/Release/*.node found walking up from `from` (this
 * library's source, its compiled copy in dist/, or an app bundle) to the
 * filesystem root.
 */
export function findSrtAddon(from: string = __dirname, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findNativeAddon({ relativeDir: SRT_ADDON_DIR, file: SRT_ADDON_FILE, envVar: SRT_ADDON_ENV }, from, env);
}

/** The message of the error thrown when the addon cannot be found or loaded. */
export function srtAddonMissingMessage(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[SRT_ADDON_ENV];
  const where = override ? `${SRT_ADDON_ENV}=${override} does not exist` : `no ${join(...SRT_ADDON_DIR, '*.node')} above ${__dirname}`;
  return (
    `the SRT addon is not built (${where}). Build it with ` +
    '`source tools/scripts/lib/node-env.sh && source tools/scripts/lib/system-deps.sh && ensure_srt_addon` ' +
    '(needs Debian packages libsrt-openssl-dev pkg-config g++ make python3; `npm test` and `npm run up` do this), ' +
    `or point ${SRT_ADDON_ENV} at a built mediaplane_srt.node`
  );
}

let loaded: SrtAddon | undefined;

/** Loads the addon once per process; throws an Error saying how to build it when it is missing. */
export function loadSrtAddon(): SrtAddon {
  if (loaded) return loaded;
  const file = findSrtAddon();
  if (!file) throw new Error(srtAddonMissingMessage());
  try {
    loaded = createRequire(__filename)(file) as SrtAddon;
  } catch (error) {
    throw new Error(`the SRT addon ${file} could not be loaded (${(error as Error).message}); rebuild it: ${srtAddonMissingMessage()}`, { cause: error });
  }
  return loaded;
}
