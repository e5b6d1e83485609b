import {
  AAC_PACKET_TYPE_SEQUENCE_HEADER,
  AVC_PACKET_TYPE_NALU,
  AVC_PACKET_TYPE_SEQUENCE_HEADER,
  FLV_SOUND_FORMAT_AAC,
  FLV_TAG_AUDIO,
  FLV_TAG_SCRIPT,
  FLV_TAG_VIDEO,
  FLV_VIDEO_CODEC_AVC,
} from '@mediaplane/codecs';

export type TagKind = 'video-config' | 'video-key' | 'video-inter' | 'audio-config' | 'audio' | 'script' | 'other';

/**
 * What an FLV tag / RTMP media message body carries, as far as the benches
 * care: decoder configurations, keyframes, other frames. H.264 in classic FLV
 * only (the bench source is H.264 + AAC).
 */
export function classifyTag(type: number, data: Buffer): TagKind {
  if (type === FLV_TAG_SCRIPT) return 'script';
  if (type === FLV_TAG_AUDIO) {
    if (data.length >= 2 && (data[0] ?? 0) >> 4 === FLV_SOUND_FORMAT_AAC && data[1] === AAC_PACKET_TYPE_SEQUENCE_HEADER) return 'audio-config';
    return 'audio';
  }
  if (type !== FLV_TAG_VIDEO || data.length < 2) return 'other';
  const first = data[0] ?? 0;
  if ((first & 0x0f) !== FLV_VIDEO_CODEC_AVC) return 'other';
  if (data[1] === AVC_PACKET_TYPE_SEQUENCE_HEADER) return 'video-config';
  if (data[1] !== AVC_PACKET_TYPE_NALU) return 'other';
  return first >> 4 === 1 ? 'video-key' : 'video-inter';
}

export const isVideoFrame = (kind: TagKind): boolean => kind === 'video-key' || kind === 'video-inter';
