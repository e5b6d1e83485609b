import { H264NaluType } from './avc-nalus';

/**
 * Whether an RTP payload starts a keyframe, for the codecs routed over WebRTC.
 * The SFU starts a consumer, and switches simulcast layers, only there
 * (anything earlier cannot be decoded by the viewer); a WHIP publisher uses it
 * to know when its last keyframe went out.
 */
export function isKeyframeStart(mimeType: string, payload: Buffer): boolean {
  const codec = mimeType.toLowerCase();
  if (codec === 'video/vp8') return isVp8KeyframeStart(payload);
  if (codec === 'video/h264') return isH264KeyframeStart(payload);
  return false;
}

/** RFC 7741: payload descriptor, then (at the start of partition 0) the VP8 frame tag whose bit 0 is 0 on a keyframe. */
function isVp8KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const first = payload[0]!;
  const start = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if (!start) return false;
  let offset = 1;
  if (first & 0x80) {
    if (payload.length < 2) return false;
    const extension = payload[1]!;
    offset = 2;
    if (extension & 0x80) offset += payload[offset] !== undefined && payload[offset]! & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (extension & 0x40) offset += 1; // TL0PICIDX
    if (extension & 0x30) offset += 1; // TID/KEYIDX
  }
  const tag = payload[offset];
  return tag !== undefined && (tag & 0x01) === 0;
}

/** RFC 6184: a single IDR/SPS NAL unit, a STAP-A holding one, or the first fragment of an IDR. */
function isH264KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const type = payload[0]! & 0x1f;
  if (type === H264NaluType.Idr || type === H264NaluType.Sps) return true;
  if (type === 24) {
    // STAP-A: [size16][nal]… — look at every aggregated unit.
    for (let offset = 1; offset + 2 < payload.length;) {
      const size = payload.readUInt16BE(offset);
      const nalType = payload[offset + 2]! & 0x1f;
      if (nalType === H264NaluType.Idr || nalType === H264NaluType.Sps) return true;
      offset += 2 + size;
    }
    return false;
  }
  if (type === 28) return (payload[1]! & 0x80) !== 0 && (payload[1]! & 0x1f) === H264NaluType.Idr;
  return false;
}
