import { amf0Properties, type Amf0Value } from '@mediaplane/codecs';

/** E-RTMP v2 FourCcInfoMask bits (values of videoFourCcInfoMap / audioFourCcInfoMap). */
export const FourCcInfoMask = { CanDecode: 0x01, CanEncode: 0x02, CanForward: 0x04 } as const;

/** E-RTMP v2 CapsExMask bits (the connect `capsEx` number). */
export const CapsExMask = { Reconnect: 0x01, Multitrack: 0x02, ModEx: 0x04, TimestampNanoOffset: 0x08 } as const;

/**
 * What an RTMP peer's `connect` command object announced of Enhanced RTMP:
 * E-RTMP v1's `fourCcList` and v2's `videoFourCcInfoMap`,
 * `audioFourCcInfoMap` and `capsEx`. A legacy client (FFmpeg before 6.1,
 * librtmp, nginx-rtmp-era players) sends none of them.
 */
export interface RtmpEnhancedCapabilities {
  /** FourCCs of `fourCcList` ('*' = any codec). */
  fourCcList: readonly string[];
  /** FourCC ('*' = any) → FourCcInfoMask. */
  videoFourCcInfoMap: Readonly<Record<string, number>>;
  audioFourCcInfoMap: Readonly<Record<string, number>>;
  /** CapsExMask bits; 0 when absent. */
  capsEx: number;
}

/** More entries than any real client sends (a few codecs); the rest are ignored, so a hostile connect costs nothing. */
export const MAX_ANNOUNCED_FOURCCS = 32;

const NONE: RtmpEnhancedCapabilities = Object.freeze({ fourCcList: [], videoFourCcInfoMap: {}, audioFourCcInfoMap: {}, capsEx: 0 });

/**
 * Reads the E-RTMP properties of a connect command object. Lenient by
 * design — a connect is not refused for a malformed capability (an early
 * FFmpeg patch wrote a plain string where the spec has a strict array): entries that are not a
 * FourCC (4 characters) or '*' and masks that are not 32-bit integers are
 * skipped, containers of the wrong type count as absent, and at most
 * MAX_ANNOUNCED_FOURCCS entries are kept per property. The AMF0 decoder has
 * already bounded depth, string lengths and key counts.
 */
export function parseRtmpEnhancedCapabilities(commandObject: Record<string, Amf0Value>): RtmpEnhancedCapabilities {
  const rawList = commandObject['fourCcList'];
  const fourCcList: string[] = [];
  // A strict array per the spec; a comma-separated string is read too, as a courtesy to early implementations.
  const entries = Array.isArray(rawList) ? rawList : typeof rawList === 'string' ? rawList.split(',') : [];
  for (const entry of entries.slice(0, MAX_ANNOUNCED_FOURCCS)) {
    if (typeof entry === 'string' && isFourCcKey(entry) && !fourCcList.includes(entry)) fourCcList.push(entry);
  }
  const caps: RtmpEnhancedCapabilities = {
    fourCcList,
    videoFourCcInfoMap: readInfoMap(commandObject['videoFourCcInfoMap']),
    audioFourCcInfoMap: readInfoMap(commandObject['audioFourCcInfoMap']),
    capsEx: isU32(commandObject['capsEx']) ? commandObject['capsEx'] : 0,
  };
  return caps.fourCcList.length === 0 &&
    Object.keys(caps.videoFourCcInfoMap).length === 0 &&
    Object.keys(caps.audioFourCcInfoMap).length === 0 &&
    caps.capsEx === 0
    ? NONE
    : caps;
}

/**
 * Whether a peer with these capabilities can take a track whose tags carry
 * this FourCC: listed in `fourCcList` (which v1 clients use for video and
 * v2 clients for both kinds) or in the kind's info map with CanDecode or
 * CanForward, either by name or as '*'.
 */
export function acceptsFourCc(caps: RtmpEnhancedCapabilities, kind: 'audio' | 'video', fourCc: string): boolean {
  if (caps.fourCcList.includes(fourCc) || caps.fourCcList.includes('*')) return true;
  const map = kind === 'video' ? caps.videoFourCcInfoMap : caps.audioFourCcInfoMap;
  const mask = (map[fourCc] ?? 0) | (map['*'] ?? 0);
  return (mask & (FourCcInfoMask.CanDecode | FourCcInfoMask.CanForward)) !== 0;
}

/** The E-RTMP video and audio FourCCs ingest relays as published (it passes tag bodies through). */
export const RTMP_SERVER_VIDEO_FOURCCS = ['avc1', 'hvc1', 'av01', 'vp09'] as const;
export const RTMP_SERVER_AUDIO_FOURCCS = ['mp4a', 'Opus', '.mp3', 'fLaC', 'ac-3', 'ec-3'] as const;

/**
 * The properties a server adds to its connect `_result` to state what it
 * takes and relays (the E-RTMP capability exchange): every FourCC it relays,
 * as CanForward. No capsEx bit: no reconnect request, multitrack or ModEx.
 */
export function rtmpServerEnhancedProperties(): Record<string, Amf0Value> {
  const forward = (fourCcs: readonly string[]): Record<string, Amf0Value> => Object.fromEntries(fourCcs.map((f) => [f, FourCcInfoMask.CanForward]));
  return {
    fourCcList: [...RTMP_SERVER_VIDEO_FOURCCS, ...RTMP_SERVER_AUDIO_FOURCCS],
    videoFourCcInfoMap: forward(RTMP_SERVER_VIDEO_FOURCCS),
    audioFourCcInfoMap: forward(RTMP_SERVER_AUDIO_FOURCCS),
    capsEx: 0,
  };
}

function readInfoMap(value: Amf0Value): Record<string, number> {
  const properties = amf0Properties(value);
  const map: Record<string, number> = {};
  if (properties === undefined) return map;
  let kept = 0;
  for (const [key, mask] of Object.entries(properties)) {
    if (kept >= MAX_ANNOUNCED_FOURCCS) break;
    if (!isFourCcKey(key) || !isU32(mask)) continue;
    // defineProperty: the key is peer-controlled ('__proto__' must not reach the prototype).
    Object.defineProperty(map, key, { value: mask, enumerable: true, writable: true, configurable: true });
    kept += 1;
  }
  return map;
}

function isFourCcKey(value: string): boolean {
  return value === '*' || value.length === 4;
}

function isU32(value: Amf0Value): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}
