import { FLV_TAG_VIDEO, FLV_VIDEO_CODEC_AVC, FlvToMatroskaMuxer, encodeFlvHeader, encodeFlvTag, parseFlvVideoTagHeader } from '@mediaplane/codecs';

/** What FFmpeg decodes a snapshot from: the container it is told (`-f`) and the bytes on its stdin. */
export interface SnapshotInput {
  format: 'flv' | 'matroska';
  bytes: Buffer;
}

/**
 * Wraps a decoder configuration and a keyframe (FLV tag bodies) in a
 * container Debian's FFmpeg 5.1 reads: H.264 as a two-tag FLV; HEVC (codec
 * id 12 or E-RTMP 'hvc1'), E-RTMP AV1 and VP9, none of which its FLV
 * demuxer knows, as Matroska through the SFU bridge's muxer. Undefined for
 * what that muxer cannot carry (the legacy FLV video codecs).
 */
export function snapshotInput(config: Buffer, keyframe: Buffer): SnapshotInput | undefined {
  const { codecId } = parseFlvVideoTagHeader(config);
  if (codecId === FLV_VIDEO_CODEC_AVC) {
    return {
      format: 'flv',
      bytes: Buffer.concat([encodeFlvHeader({ audio: false, video: true }), encodeFlvTag(FLV_TAG_VIDEO, 0, config), encodeFlvTag(FLV_TAG_VIDEO, 0, keyframe)]),
    };
  }
  const muxer = new FlvToMatroskaMuxer({ video: true, audio: false });
  const bytes = Buffer.concat([muxer.push({ kind: 'video', timestamp: 0, payload: config }), muxer.push({ kind: 'video', timestamp: 0, payload: keyframe })]);
  return bytes.length > 0 && muxer.stats.droppedFrames === 0 ? { format: 'matroska', bytes } : undefined;
}
