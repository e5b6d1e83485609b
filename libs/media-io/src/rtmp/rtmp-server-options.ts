import type { RtmpServerConnectionOptions } from './rtmp-server-connection-types';

const DEFAULTS = {
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  setupTimeoutMs: 30_000,
  chunkSize: 4096,
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
  maxWriteBufferBytes: 32 * 1024 * 1024,
  maxStreams: 8,
  closeGraceMs: 2_000,
} as const;

/** The numeric limits and sizes of one server connection, defaults filled in and checked. */
export type RtmpServerLimits = { -readonly [K in keyof typeof DEFAULTS]: number };

export function resolveRtmpServerLimits(options: RtmpServerConnectionOptions): RtmpServerLimits {
  const resolved: RtmpServerLimits = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof RtmpServerLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`RtmpServerConnectionOptions.${key} must be >= 0, got ${value}`);
    resolved[key] = value;
  }
  if (!Number.isInteger(resolved.chunkSize) || resolved.chunkSize < 1 || resolved.chunkSize > 0xffffff) {
    throw new RangeError(`chunkSize must be in 1..${0xffffff}, got ${resolved.chunkSize}`);
  }
  return resolved;
}
