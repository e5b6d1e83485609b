import { Av1ObuType, splitAv1Obus } from './av1-obus';
import { buildAv1CodecConfigurationRecord, parseAv1SequenceHeader } from './av1-sequence-header';
import { VideoParseError } from './codec-errors';
import { ExVideoPacketType, FLV_FRAME_TYPE_INTER, FLV_FRAME_TYPE_KEY, encodeExVideoTagHeader } from './flv-video-tag-header';
import type { IvfFrame } from './ivf-reader';
import type { FlvTagBody } from './mpegts-to-flv';
import { buildVpCodecConfigurationRecord, parseVp9FrameHeader } from './vp9-frame-header';

/** OBU types that start a frame's header (AV1 spec 6.2.2). */
const OBU_FRAME_HEADER = 3;
const OBU_FRAME = 6;
const AV1_KEY_FRAME = 0;

/**
 * Turns IVF frames of AV1 ('AV01') or VP9 ('VP90') into E-RTMP video tag
 * bodies ('av01' / 'vp09'), as OBS 30+ publishes them: a SequenceStart with
 * the codec configuration record (av1C from the sequence header OBU; vpcC
 * from the keyframe's header) before the first keyframe and whenever it
 * changes, then CodedFrames. AV1 temporal delimiters are dropped (E-RTMP and
 * MP4 samples carry none). Frames before the first keyframe are dropped.
 */
export class IvfToFlv {
  private readonly fourCc: 'av01' | 'vp09';
  private record: Buffer | undefined;
  private reducedStillPictureHeader = false;

  constructor(ivfFourCc: string) {
    if (ivfFourCc === 'AV01') this.fourCc = 'av01';
    else if (ivfFourCc === 'VP90') this.fourCc = 'vp09';
    else throw new VideoParseError(`IVF codec ${ivfFourCc} is not AV1 or VP9`);
  }

  push(frame: IvfFrame): FlvTagBody[] {
    const { keyframe, record, data } = this.fourCc === 'av01' ? this.av1(frame.data) : vp9(frame.data);
    const timestamp = Math.round(frame.timestampMs);
    const tags: FlvTagBody[] = [];
    if (keyframe && record && !record.equals(this.record ?? Buffer.alloc(0))) {
      this.record = record;
      tags.push({
        kind: 'video',
        timestamp,
        payload: Buffer.concat([encodeExVideoTagHeader(this.fourCc, FLV_FRAME_TYPE_KEY, ExVideoPacketType.SequenceStart), record]),
      });
    }
    if (this.record === undefined) return tags;
    const header = encodeExVideoTagHeader(this.fourCc, keyframe ? FLV_FRAME_TYPE_KEY : FLV_FRAME_TYPE_INTER, ExVideoPacketType.CodedFrames);
    tags.push({ kind: 'video', timestamp, payload: Buffer.concat([header, data]) });
    return tags;
  }

  private av1(tu: Buffer): { keyframe: boolean; record?: Buffer; data: Buffer } {
    const obus = splitAv1Obus(tu).filter((o) => o.type !== Av1ObuType.TemporalDelimiter);
    const sequenceHeader = obus.find((o) => o.type === Av1ObuType.SequenceHeader);
    if (sequenceHeader) this.reducedStillPictureHeader = parseAv1SequenceHeader(sequenceHeader.payload).reducedStillPictureHeader;
    const frameHeader = obus.find((o) => o.type === OBU_FRAME_HEADER || o.type === OBU_FRAME);
    // show_existing_frame (1 bit), then frame_type (2 bits); a reduced still-picture header has neither.
    const first = frameHeader?.payload[0] ?? 0xff;
    const keyframe = frameHeader !== undefined && (this.reducedStillPictureHeader || ((first & 0x80) === 0 && ((first >> 5) & 0x03) === AV1_KEY_FRAME));
    return { keyframe, record: sequenceHeader && buildAv1CodecConfigurationRecord(sequenceHeader.bytes), data: Buffer.concat(obus.map((o) => o.bytes)) };
  }
}

function vp9(frame: Buffer): { keyframe: boolean; record?: Buffer; data: Buffer } {
  const header = parseVp9FrameHeader(frame);
  return { keyframe: header.keyframe, record: header.keyframe ? buildVpCodecConfigurationRecord(header) : undefined, data: frame };
}
