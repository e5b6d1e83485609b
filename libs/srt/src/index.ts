export { SrtServer, SrtServerOptionsSchema, SrtRejectCode } from './srt-server';
export type { SrtConnectRequest, SrtConnectDecision, SrtServerOptions, SrtServerEvents, SrtDecide } from './srt-server';
export { SrtConnection } from './srt-connection';
export type { SrtConnectionEvents, SrtTrafficStats } from './srt-connection';
export { toSrtLinkStats } from './srt-link-stats';
export { findSrtAddon, loadSrtAddon, SRT_ADDON_ENV } from './srt-addon';
