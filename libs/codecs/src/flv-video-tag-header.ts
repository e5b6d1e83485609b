import { ByteReader } from './byte-reader';
import { VideoParseError } from './codec-errors';
import { FLV_VIDEO_CODEC_AVC, FLV_VIDEO_CODEC_HEVC } from './flv-constants';

/** FLV VideoFrameType values. */
export const FLV_FRAME_TYPE_KEY = 1;
export const FLV_FRAME_TYPE_INTER = 2;
export const FLV_FRAME_TYPE_DISPOSABLE_INTER = 3;
export const FLV_FRAME_TYPE_GENERATED_KEY = 4;
/** "Video info/command frame": carries a 1-byte command instead of video. */
export const FLV_FRAME_TYPE_COMMAND = 5;

/** AVCPacketType values (also used for the HEVC codec-id-12 extension). */
export const AVC_PACKET_TYPE_SEQUENCE_HEADER = 0;
export const AVC_PACKET_TYPE_NALU = 1;
export const AVC_PACKET_TYPE_END_OF_SEQUENCE = 2;

/** Enhanced RTMP (E-RTMP, Veovera) VideoPacketType values. */
export const ExVideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  /** CodedFrames with CompositionTime implicitly 0 (the SI24 is omitted). */
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const;

export interface FlvVideoTagHeader {
  frameType: number;
  /** frameType 1 (keyframe). Generated keyframes (4) are server seek aids, not IDRs. */
  isKeyframe: boolean;
  /**
   * Legacy CodecID. For enhanced headers: 7 for 'avc1', 12 for 'hvc1' (the
   * value the pre-E-RTMP HEVC extension uses), 0 for other FourCCs.
   */
  codecId: number;
  /**
   * AVCPacketType for AVC/HEVC: 0 sequence header, 1 NALUs, 2 end of
   * sequence. Enhanced SequenceStart / CodedFrames(X) / SequenceEnd map to
   * 0 / 1 / 2 whatever the FourCC; other enhanced packet types leave it unset.
   */
  avcPacketType?: number;
  /** CompositionTime (PTS - DTS) in ms, signed; 0 for enhanced CodedFramesX. */
  compositionTime?: number;
  isSequenceHeader: boolean;
  /** Offset of the codec payload (config record or NAL units) in the tag body. */
  headerSize: number;
  /** Present for enhanced (E-RTMP) headers. */
  isEnhanced: boolean;
  /** E-RTMP FourCC such as 'avc1', 'hvc1', 'av01', 'vp09'. */
  fourCc?: string;
  /** E-RTMP VideoPacketType (see ExVideoPacketType). */
  exPacketType?: number;
  /** Command byte when frameType is 5 (0 = start of seek, 1 = end of seek). */
  videoCommand?: number;
}

const FOURCC_CODEC_IDS: Record<string, number> = {
  avc1: FLV_VIDEO_CODEC_AVC,
  hvc1: FLV_VIDEO_CODEC_HEVC,
};

/**
 * Parses the video tag header at the start of an FLV/RTMP video tag body.
 *
 * Legacy headers (CodecID in the low nibble) are fully decoded for AVC (7)
 * and the HEVC extension (12); other legacy codecs report frame type and
 * codec only.
 *
 * Enhanced RTMP headers (IsExHeader bit set) are decoded far enough to report
 * FourCC, frame type, packet type, composition time for avc1/hvc1 and the
 * payload offset. Not handled: Multitrack (6) and ModEx (7) packets, which
 * throw VideoParseError; Metadata and MPEG2TSSequenceStart are reported but
 * their payload is left to the caller; CompositionTime is only read for
 * avc1/hvc1 (other codecs have none).
 */
/**
 * An E-RTMP video tag header: IsExHeader, frame type, packet type and FourCC,
 * then for CodedFrames the SI24 composition time when given (E-RTMP has it
 * for 'avc1' and 'hvc1' only).
 */
export function encodeExVideoTagHeader(fourCc: string, frameType: number, packetType: number, compositionTime?: number): Buffer {
  if (fourCc.length !== 4) throw new RangeError(`FourCC must be 4 characters: ${fourCc}`);
  const b = Buffer.alloc(compositionTime === undefined ? 5 : 8);
  b[0] = 0x80 | (frameType << 4) | packetType;
  b.write(fourCc, 1, 'latin1');
  if (compositionTime !== undefined) b.writeIntBE(compositionTime, 5, 3);
  return b;
}

export function parseFlvVideoTagHeader(data: Buffer): FlvVideoTagHeader {
  const r = new ByteReader(data, (message) => new VideoParseError(message), 'FLV video tag header');
  const first = r.u8();
  if ((first & 0x80) !== 0) return parseEnhanced(r, first);

  const frameType = first >> 4;
  const codecId = first & 0x0f;
  const base = { frameType, isKeyframe: frameType === FLV_FRAME_TYPE_KEY, codecId, isEnhanced: false };
  if (frameType === FLV_FRAME_TYPE_COMMAND) {
    return { ...base, isSequenceHeader: false, videoCommand: r.u8(), headerSize: r.offset };
  }
  if (codecId !== FLV_VIDEO_CODEC_AVC && codecId !== FLV_VIDEO_CODEC_HEVC) {
    return { ...base, isSequenceHeader: false, headerSize: r.offset };
  }
  const avcPacketType = r.u8();
  const compositionTime = r.s24();
  return {
    ...base,
    avcPacketType,
    compositionTime,
    isSequenceHeader: avcPacketType === AVC_PACKET_TYPE_SEQUENCE_HEADER,
    headerSize: r.offset,
  };
}

function parseEnhanced(r: ByteReader, first: number): FlvVideoTagHeader {
  const frameType = (first >> 4) & 0x07;
  const exPacketType = first & 0x0f;
  const base = { frameType, isKeyframe: frameType === FLV_FRAME_TYPE_KEY, isEnhanced: true, exPacketType };

  if (exPacketType !== ExVideoPacketType.Metadata && frameType === FLV_FRAME_TYPE_COMMAND) {
    // E-RTMP: a command frame carries only the command byte, no FourCC.
    return { ...base, codecId: 0, isSequenceHeader: false, videoCommand: r.u8(), headerSize: r.offset };
  }
  if (exPacketType === ExVideoPacketType.Multitrack || exPacketType === ExVideoPacketType.ModEx) {
    throw new VideoParseError(`E-RTMP video packet type ${exPacketType} (multitrack/ModEx) is not supported`);
  }
  if (exPacketType > ExVideoPacketType.ModEx) {
    throw new VideoParseError(`reserved E-RTMP video packet type ${exPacketType}`);
  }
  const fourCc = r.bytes(4).toString('latin1');
  const codecId = FOURCC_CODEC_IDS[fourCc] ?? 0;
  const result: FlvVideoTagHeader = {
    ...base,
    codecId,
    fourCc,
    isSequenceHeader: exPacketType === ExVideoPacketType.SequenceStart,
    headerSize: r.offset,
  };
  const hasCompositionTime = codecId !== 0;
  switch (exPacketType) {
    case ExVideoPacketType.SequenceStart:
      result.avcPacketType = AVC_PACKET_TYPE_SEQUENCE_HEADER;
      break;
    case ExVideoPacketType.SequenceEnd:
      result.avcPacketType = AVC_PACKET_TYPE_END_OF_SEQUENCE;
      break;
    case ExVideoPacketType.CodedFrames:
      result.avcPacketType = AVC_PACKET_TYPE_NALU;
      if (hasCompositionTime) {
        result.compositionTime = r.s24();
        result.headerSize = r.offset;
      }
      break;
    case ExVideoPacketType.CodedFramesX:
      result.avcPacketType = AVC_PACKET_TYPE_NALU;
      if (hasCompositionTime) result.compositionTime = 0;
      break;
    default:
      break;
  }
  return result;
}
