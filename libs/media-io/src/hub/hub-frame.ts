import {
  FLV_TAG_AUDIO,
  FLV_TAG_SCRIPT,
  FLV_TAG_VIDEO,
  FLV_FRAME_TYPE_KEY,
  FLV_SOUND_FORMAT_AAC,
  FLV_SOUND_FORMAT_EX_HEADER,
  AAC_PACKET_TYPE_SEQUENCE_HEADER,
} from '@mediaplane/codecs';

export type HubFrameKind = 'audio' | 'video' | 'script';

/**
 * One media message as it travels through a hub: an FLV tag body plus what
 * the fan-out needs to know about it. Frames are immutable once pushed; each
 * output format's bytes are encoded once and cached on the frame, so N
 * viewers of one format share one buffer.
 */
export interface HubFrame {
  readonly kind: HubFrameKind;
  /** FLV tag type: 8 audio, 9 video, 18 script data. */
  readonly tagType: number;
  /** Decode timestamp in milliseconds (uint32 wrap-around as on the wire). */
  readonly timestamp: number;
  /** The FLV tag body (RTMP audio/video/data message payload). */
  readonly payload: Buffer;
  /** A video frame a decoder can start from (FLV frame type 1), or any audio frame of an audio-only stream. */
  readonly keyframe: boolean;
  /** AVC/HEVC decoder configuration or AAC AudioSpecificConfig: never dropped, replayed to new viewers. */
  readonly sequenceHeader: boolean;
  /** Monotonic position in the hub, set when pushed. */
  seq: number;
  /** Encoded bytes per output format key (see HubEncoder.key). */
  readonly encoded: Map<string, Buffer>;
}

const KIND_TAG: Record<HubFrameKind, number> = { audio: FLV_TAG_AUDIO, video: FLV_TAG_VIDEO, script: FLV_TAG_SCRIPT };

/**
 * Classifies a tag body by its first bytes only (no full parse on the hot
 * path): the FLV video frame type nibble, the AVC/HEVC packet type byte, and
 * the AAC packet type byte. Enhanced-RTMP (E-RTMP) headers are recognised too.
 */
export function classifyMediaPayload(kind: HubFrameKind, payload: Buffer): { keyframe: boolean; sequenceHeader: boolean } {
  let keyframe = false;
  let sequenceHeader = false;
  const b0 = payload[0];
  if (kind === 'video' && b0 !== undefined) {
    if ((b0 & 0x80) !== 0) {
      // E-RTMP: frame type in bits 4-6, packet type in the low nibble (0 = SequenceStart).
      keyframe = ((b0 >> 4) & 0x07) === FLV_FRAME_TYPE_KEY;
      sequenceHeader = (b0 & 0x0f) === 0;
    } else {
      keyframe = b0 >> 4 === FLV_FRAME_TYPE_KEY;
      const codecId = b0 & 0x0f;
      // AVC (7) and the HEVC extension (12) carry a packet type byte; 0 is the decoder configuration.
      sequenceHeader = (codecId === 7 || codecId === 12) && payload[1] === 0;
    }
  } else if (kind === 'audio' && b0 !== undefined) {
    const soundFormat = b0 >> 4;
    if (soundFormat === FLV_SOUND_FORMAT_AAC) sequenceHeader = payload[1] === AAC_PACKET_TYPE_SEQUENCE_HEADER;
    else if (soundFormat === FLV_SOUND_FORMAT_EX_HEADER) sequenceHeader = (b0 & 0x0f) === 0;
  }
  return { keyframe: keyframe && !sequenceHeader, sequenceHeader };
}

/**
 * The E-RTMP FourCC of a tag body with an ex-header ('hvc1', 'av01', 'vp09',
 * 'Opus', 'mp4a', ...), undefined for legacy FLV tags (and for E-RTMP video
 * command frames, which carry none). Reads at most the first 5 bytes.
 */
export function enhancedFourCc(kind: 'audio' | 'video', payload: Buffer): string | undefined {
  const b0 = payload[0];
  if (b0 === undefined || payload.length < 5) return undefined;
  if (kind === 'video') {
    if ((b0 & 0x80) === 0) return undefined;
    // Frame type 5 (command) carries a command byte instead of a FourCC, unless the packet is Metadata (4).
    if (((b0 >> 4) & 0x07) === 5 && (b0 & 0x0f) !== 4) return undefined;
  } else if (b0 >> 4 !== FLV_SOUND_FORMAT_EX_HEADER) {
    return undefined;
  }
  return payload.toString('latin1', 1, 5);
}

/** A hub frame of a tag body, classified by classifyMediaPayload. */
export function createHubFrame(kind: HubFrameKind, timestamp: number, payload: Buffer): HubFrame {
  const { keyframe, sequenceHeader } = classifyMediaPayload(kind, payload);
  return {
    kind,
    tagType: KIND_TAG[kind],
    timestamp: timestamp >>> 0,
    payload,
    keyframe,
    sequenceHeader,
    seq: 0,
    encoded: new Map(),
  };
}

/** A copy of a frame with another timestamp (used to place sequence headers at a viewer's start). */
export function retimeHubFrame(frame: HubFrame, timestamp: number): HubFrame {
  return { ...frame, timestamp: timestamp >>> 0, encoded: new Map() };
}
