import {
  FLV_TAG_VIDEO,
  FLV_VIDEO_CODEC_AVC,
  FLV_VIDEO_CODEC_HEVC,
  FlvToMpegTsMuxer,
  encodeFlvHeader,
  encodeFlvTag,
  parseFlvVideoTagHeader,
} from '@mediaplane/codecs';

/** What FFmpeg decodes a snapshot from: the container it is told (`-f`) and the bytes on its stdin. */
export interface SnapshotInput {
  format: 'flv' | 'mpegts';
  bytes: Buffer;
}

/**
 * Wraps a decoder configuration and a keyframe (FLV tag bodies) in a
 * container Debian's FFmpeg 5.1 reads: H.264 as a two-tag FLV; HEVC (codec
 * id 12 or E-RTMP 'hvc1', neither of which its FLV demuxer knows) as
 * MPEG-TS through the same muxer as SRT play and the internal TS pull.
 * Undefined for other codecs (AV1, VP9): not decodable from here yet.
 */
export function snapshotInput(config: Buffer, keyframe: Buffer): SnapshotInput | undefined {
  const { codecId } = parseFlvVideoTagHeader(config);
  if (codecId === FLV_VIDEO_CODEC_AVC) {
    return {
      format: 'flv',
      bytes: Buffer.concat([encodeFlvHeader({ audio: false, video: true }), encodeFlvTag(FLV_TAG_VIDEO, 0, config), encodeFlvTag(FLV_TAG_VIDEO, 0, keyframe)]),
    };
  }
  if (codecId !== FLV_VIDEO_CODEC_HEVC) return undefined;
  const muxer = new FlvToMpegTsMuxer();
  const packets = [...muxer.push({ kind: 'video', timestamp: 0, payload: config }), ...muxer.push({ kind: 'video', timestamp: 0, payload: keyframe })];
  return packets.length > 0 ? { format: 'mpegts', bytes: Buffer.concat(packets) } : undefined;
}
