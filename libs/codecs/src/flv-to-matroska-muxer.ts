import { parseAudioSpecificConfig } from './aac-audio-specific-config';
import { parseAc3SyncFrameHeader } from './ac3-sync-frame';
import { parseFlacStreamHeader } from './flac-stream-info';
import { av1SequenceHeaderOfRecord } from './av1-sequence-header';
import { parseAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
import { nalusToAvcc, splitAvcNalus } from './avc-nalus';
import { AudioParseError, CodecError, VideoParseError } from './codec-errors';
import { ebmlElement, ebmlElementHead, ebmlFloat, ebmlSize, ebmlString, ebmlUint, ebmlUnknownSizeHead } from './ebml-writer';
import { FLV_SOUND_FORMAT_AAC, FLV_VIDEO_CODEC_AVC, FLV_VIDEO_CODEC_HEVC } from './flv-constants';
import { E_RTMP_AUDIO_FOURCC_CODECS, ExAudioPacketType, parseFlvAudioTagHeader } from './flv-audio-tag-header';
import type { FlvMuxInput } from './flv-to-mpegts-muxer';
import { AVC_PACKET_TYPE_NALU, parseFlvVideoTagHeader } from './flv-video-tag-header';
import { parseH264Sps } from './h264-sps-parser';
import { parseHevcDecoderConfigurationRecord } from './hevc-decoder-configuration-record';
import { parseHevcSps } from './hevc-sps-parser';
import { MATROSKA_BLOCK_KEYFRAME, MATROSKA_TRACK_TYPE_AUDIO, MATROSKA_TRACK_TYPE_VIDEO, MatroskaId } from './matroska-ids';
import { parseOpusHead } from './opus-packet';

export interface FlvToMatroskaOptions {
  /** The tracks the stream has (the FLV header's flags): the Tracks element waits for each one's configuration. */
  video: boolean;
  audio: boolean;
}

export interface FlvToMatroskaStats {
  /** Frames that could not be carried: before or without their configuration, malformed, or an unsupported codec. */
  droppedFrames: number;
}

interface VideoTrack {
  codec: 'h264' | 'hevc' | 'av1' | 'vp9';
  /** The FLV sequence header's record (avcC / hvcC / av1C / vpcC): what a re-sent configuration is compared with. */
  record: Buffer;
  /** Matroska's CodecPrivate: the record as it is, except for VP9, which has none. */
  codecPrivate?: Buffer;
  /** NAL unit length prefix and parameter sets (H.264, HEVC; AV1 and VP9 carry their configuration in band). */
  lengthSize: number;
  parameterSets: Buffer[];
  /** The picture size where the record says it (not VP9's). */
  width?: number;
  height?: number;
}

interface AudioTrack {
  codec: 'aac' | 'opus' | 'flac' | 'ac3' | 'eac3';
  /** What a re-sent configuration is compared with: the AudioSpecificConfig / OpusHead / FLAC header as received; AC-3 / E-AC-3 have none (`${rate}/${channels}`). */
  record: Buffer;
  /** Matroska's CodecPrivate: the record itself, FLAC's header in its file form ('fLaC' + metadata blocks), none for AC-3 / E-AC-3. */
  codecPrivate?: Buffer;
  sampleRate: number;
  channels: number;
}

interface Frame {
  track: 'video' | 'audio';
  dts: number;
  compositionTime: number;
  keyframe: boolean;
  data: Buffer;
}

const VIDEO_TRACK_NUMBER = 1;
const AUDIO_TRACK_NUMBER = 2;
const CODEC_IDS = {
  h264: 'V_MPEG4/ISO/AVC',
  hevc: 'V_MPEGH/ISO/HEVC',
  av1: 'V_AV1',
  vp9: 'V_VP9',
  aac: 'A_AAC',
  opus: 'A_OPUS',
  flac: 'A_FLAC',
  ac3: 'A_AC3',
  eac3: 'A_EAC3',
} as const;
/** E-RTMP FourCCs of the video codecs without a legacy FLV codec id. */
const FOURCC_CODECS: Readonly<Record<string, 'av1' | 'vp9'>> = { av01: 'av1', vp09: 'vp9' };
/** 1 ms per timestamp unit: FLV's own resolution. */
const TIMESTAMP_SCALE_NS = 1_000_000;
/** Frames held while a track the header announced has sent no configuration (~4 s at 30 fps plus audio): then the Tracks go out without it. */
const MAX_PENDING_FRAMES = 300;
/** A SimpleBlock's timestamp is a signed 16-bit offset from its Cluster's. */
const MAX_COMPOSITION_TIME_MS = 0x7fff;

/**
 * Muxes FLV tag bodies (H.264 or HEVC, legacy or E-RTMP; E-RTMP AV1 and
 * VP9; AAC, or E-RTMP Opus, FLAC, AC-3 or E-AC-3) into a live Matroska stream, for an FFmpeg the
 * platform runs itself: FFmpeg 5.1 reads HEVC, AV1, VP9, Opus, FLAC, AC-3 and E-AC-3 there
 * though not in FLV, and, unlike on
 * MPEG-TS input, hands each frame on as soon as its block is in (no parser
 * waiting for the next frame to find where this one ends).
 *
 * - EBML header, a Segment of unknown size, Info, Tracks (written once every
 *   announced track has its configuration, or after MAX_PENDING_FRAMES), then
 *   one Cluster per frame with a known size and one SimpleBlock: nothing is
 *   ever held back for a following frame.
 * - Timestamps in ms: the Cluster's is the DTS, the block's offset the
 *   composition time. Opus tracks carry no CodecDelay: FFmpeg would move
 *   every Opus timestamp earlier by the pre-skip, and the FLV timestamps are
 *   already the ones the publisher meant (the OpusHead still tells the
 *   decoder what to skip).
 * - H.264/HEVC stay AVCC. A configuration that changes after the header (new
 *   SPS/PPS) travels in band: its parameter sets go before each keyframe.
 *   AV1 (OBUs) and VP9 frames go as they are: their keyframes carry what a
 *   decoder needs. AC-3 / E-AC-3 have no sequence header in E-RTMP: the
 *   track is learnt from the first sync frame's header.
 *   A change of codec, or of audio configuration, cannot be expressed once
 *   the Tracks are out: those frames are dropped and counted.
 *
 * Input that cannot be carried is dropped and counted, never thrown: the
 * bytes come from a publisher.
 */
export class FlvToMatroskaMuxer {
  readonly stats: FlvToMatroskaStats = { droppedFrames: 0 };
  private video: VideoTrack | undefined;
  private audio: AudioTrack | undefined;
  /** The tracks as the header described them, once it is out. */
  private written: { video?: VideoTrack; audio?: AudioTrack } | undefined;
  private pending: Frame[] = [];

  constructor(private readonly options: FlvToMatroskaOptions) {}

  /** The bytes for one FLV tag body: empty until the header can go out, then the header with every frame held so far. */
  push(tag: FlvMuxInput): Buffer {
    try {
      const frame = tag.kind === 'video' ? this.onVideo(tag) : tag.kind === 'audio' ? this.onAudio(tag) : undefined;
      if (frame === undefined) return EMPTY;
      if (this.written) return this.cluster(frame) ?? EMPTY;
      this.pending.push(frame);
      return this.headerIfReady() ?? EMPTY;
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.stats.droppedFrames++;
      return EMPTY;
    }
  }

  private onVideo(tag: FlvMuxInput): Frame | undefined {
    const header = parseFlvVideoTagHeader(tag.payload);
    const codec = header.codecId === FLV_VIDEO_CODEC_AVC ? 'h264' : header.codecId === FLV_VIDEO_CODEC_HEVC ? 'hevc' : FOURCC_CODECS[header.fourCc ?? ''];
    if (codec === undefined) return this.drop();
    const body = tag.payload.subarray(header.headerSize);
    if (header.isSequenceHeader) {
      const same = this.written?.video;
      this.video = same?.codec === codec && same.record.equals(body) ? same : videoTrack(codec, body);
      return undefined;
    }
    if (header.avcPacketType !== AVC_PACKET_TYPE_NALU) return undefined; // end of sequence: nothing to carry
    if (this.video?.codec !== codec) return this.drop();
    const cts = header.compositionTime ?? 0;
    if (Math.abs(cts) > MAX_COMPOSITION_TIME_MS) return this.drop();
    return { track: 'video', dts: tag.timestamp, compositionTime: cts, keyframe: header.isKeyframe, data: body };
  }

  private onAudio(tag: FlvMuxInput): Frame | undefined {
    const header = parseFlvAudioTagHeader(tag.payload);
    const codec = header.soundFormat === FLV_SOUND_FORMAT_AAC ? 'aac' : E_RTMP_AUDIO_FOURCC_CODECS[header.fourCc ?? ''];
    if (codec === undefined) return this.drop();
    const body = tag.payload.subarray(header.headerSize);
    const selfDescribing = codec === 'ac3' || codec === 'eac3';
    if (header.isSequenceHeader) {
      if (selfDescribing) return undefined; // nothing E-RTMP defines for them: the frames say it all
      this.learnAudio(audioTrack(codec, body));
      return undefined;
    }
    if (header.fourCc !== undefined && header.exPacketType !== ExAudioPacketType.CodedFrames) return undefined; // end of sequence etc.
    if (selfDescribing) this.learnAc3(codec, body);
    if (this.audio?.codec !== codec) return this.drop();
    return { track: 'audio', dts: tag.timestamp, compositionTime: 0, keyframe: true, data: body };
  }

  /** The configuration now in force: the written track itself when nothing changed (frames then flow as before). */
  private learnAudio(track: AudioTrack): void {
    const same = this.written?.audio;
    this.audio = same?.codec === track.codec && same.record.equals(track.record) ? same : track;
  }

  /** AC-3 / E-AC-3: every frame restates the track; a new one is made only when its rate or channels change. */
  private learnAc3(codec: 'ac3' | 'eac3', frame: Buffer): void {
    const header = parseAc3SyncFrameHeader(frame);
    if (header === undefined || header.codec !== codec) throw new AudioParseError(`not an ${codec === 'ac3' ? 'AC-3' : 'E-AC-3'} sync frame`);
    const current = this.audio;
    if (current?.codec === codec && current.sampleRate === header.sampleRate && current.channels === header.channels) return;
    this.learnAudio({ codec, record: Buffer.from(`${header.sampleRate}/${header.channels}`), sampleRate: header.sampleRate, channels: header.channels });
  }

  private drop(): undefined {
    this.stats.droppedFrames++;
    return undefined;
  }

  private headerIfReady(): Buffer | undefined {
    const waiting = (this.options.video && !this.video) || (this.options.audio && !this.audio);
    if (waiting && this.pending.length < MAX_PENDING_FRAMES) return undefined;
    this.written = { video: this.video, audio: this.audio };
    const parts = [matroskaHeader(this.written)];
    for (const frame of this.pending) parts.push(this.cluster(frame) ?? EMPTY);
    this.pending = [];
    return Buffer.concat(parts);
  }

  /** One Cluster holding the frame, or undefined (counted) when the header has no track that fits it. */
  private cluster(frame: Frame): Buffer | undefined {
    const data = frame.track === 'video' ? this.videoData(frame) : this.audio === this.written?.audio ? frame.data : undefined;
    if (data === undefined) return this.drop();
    const blockHead = Buffer.alloc(4);
    ebmlSize(frame.track === 'video' ? VIDEO_TRACK_NUMBER : AUDIO_TRACK_NUMBER).copy(blockHead, 0);
    blockHead.writeInt16BE(frame.compositionTime, 1);
    blockHead[3] = frame.keyframe ? MATROSKA_BLOCK_KEYFRAME : 0;
    // Heads first, the frame's bytes once: nesting ebmlElement calls would copy every frame twice.
    const timestamp = ebmlUint(MatroskaId.Timestamp, Math.max(0, Math.round(frame.dts)));
    const block = ebmlElementHead(MatroskaId.SimpleBlock, blockHead.length + data.length);
    const cluster = ebmlElementHead(MatroskaId.Cluster, timestamp.length + block.length + blockHead.length + data.length);
    return Buffer.concat([cluster, timestamp, block, blockHead, data]);
  }

  /** The frame as the header's track reads it: as it is, or with a changed configuration's parameter sets in band. */
  private videoData(frame: Frame): Buffer | undefined {
    const current = this.video;
    const written = this.written?.video;
    if (current === undefined || written === undefined || current.codec !== written.codec) return undefined;
    if (current === written || current.codec === 'av1' || current.codec === 'vp9') return frame.data;
    const nalus = splitAvcNalus(frame.data, current.lengthSize);
    return nalusToAvcc(frame.keyframe ? [...current.parameterSets, ...nalus] : nalus, written.lengthSize);
  }
}

const EMPTY = Buffer.alloc(0);

function videoTrack(codec: VideoTrack['codec'], record: Buffer): VideoTrack {
  const copy = Buffer.from(record);
  if (codec === 'vp9') return { codec, record: copy, lengthSize: 0, parameterSets: [] };
  if (codec === 'av1') {
    const header = av1SequenceHeaderOfRecord(copy);
    return { codec, record: copy, codecPrivate: copy, lengthSize: 0, parameterSets: [], width: header?.width, height: header?.height };
  }
  if (codec === 'h264') {
    const avcC = parseAvcDecoderConfigurationRecord(copy);
    const { width, height } = parseH264Sps(firstOf(avcC.sps));
    return { codec, record: copy, codecPrivate: copy, lengthSize: avcC.nalUnitLengthSize, parameterSets: [...avcC.sps, ...avcC.pps], width, height };
  }
  const hvcC = parseHevcDecoderConfigurationRecord(copy);
  const { width, height } = parseHevcSps(firstOf(hvcC.sps));
  return { codec, record: copy, codecPrivate: copy, lengthSize: hvcC.nalUnitLengthSize, parameterSets: [...hvcC.vps, ...hvcC.sps, ...hvcC.pps], width, height };
}

function audioTrack(codec: 'aac' | 'opus' | 'flac', record: Buffer): AudioTrack {
  const copy = Buffer.from(record);
  if (codec === 'flac') {
    const info = parseFlacStreamHeader(copy);
    return { codec, record: copy, codecPrivate: info.header, sampleRate: info.sampleRate, channels: info.channels };
  }
  if (codec === 'opus') {
    return { codec, record: copy, codecPrivate: copy, sampleRate: 48_000, channels: parseOpusHead(copy).channels };
  }
  const asc = parseAudioSpecificConfig(copy);
  return { codec, record: copy, codecPrivate: copy, sampleRate: asc.extensionSampleRate ?? asc.sampleRate, channels: asc.channels || 2 };
}

function firstOf(sets: Buffer[]): Buffer {
  const first = sets[0];
  if (first === undefined) throw new VideoParseError('decoder configuration record holds no SPS');
  return first;
}

/** EBML header, the Segment's head (unknown size), Info and Tracks. */
function matroskaHeader(tracks: { video?: VideoTrack; audio?: AudioTrack }): Buffer {
  const ebml = ebmlElement(
    MatroskaId.Ebml,
    ebmlUint(MatroskaId.EbmlVersion, 1),
    ebmlUint(MatroskaId.EbmlReadVersion, 1),
    ebmlUint(MatroskaId.EbmlMaxIdLength, 4),
    ebmlUint(MatroskaId.EbmlMaxSizeLength, 8),
    ebmlString(MatroskaId.DocType, 'matroska'),
    ebmlUint(MatroskaId.DocTypeVersion, 4),
    ebmlUint(MatroskaId.DocTypeReadVersion, 2),
  );
  const info = ebmlElement(
    MatroskaId.Info,
    ebmlUint(MatroskaId.TimestampScale, TIMESTAMP_SCALE_NS),
    ebmlString(MatroskaId.MuxingApp, 'mediaplane'),
    ebmlString(MatroskaId.WritingApp, 'mediaplane'),
  );
  const entries: Buffer[] = [];
  if (tracks.video) entries.push(videoEntry(tracks.video));
  if (tracks.audio) entries.push(audioEntry(tracks.audio));
  return Buffer.concat([ebml, ebmlUnknownSizeHead(MatroskaId.Segment), info, ebmlElement(MatroskaId.Tracks, ...entries)]);
}

function trackEntryHead(number: number, type: number, codecId: string, codecPrivate: Buffer | undefined): Buffer[] {
  return [
    ebmlUint(MatroskaId.TrackNumber, number),
    ebmlUint(MatroskaId.TrackUid, number),
    ebmlUint(MatroskaId.TrackType, type),
    ebmlUint(MatroskaId.FlagLacing, 0),
    ebmlString(MatroskaId.CodecId, codecId),
    ...(codecPrivate ? [ebmlElement(MatroskaId.CodecPrivate, codecPrivate)] : []),
  ];
}

function videoEntry(track: VideoTrack): Buffer {
  // Without a size (VP9: its record has none) the decoder takes it from the first keyframe, as FFmpeg does.
  const size =
    track.width !== undefined && track.height !== undefined
      ? [ebmlElement(MatroskaId.Video, ebmlUint(MatroskaId.PixelWidth, track.width), ebmlUint(MatroskaId.PixelHeight, track.height))]
      : [];
  return ebmlElement(
    MatroskaId.TrackEntry,
    ...trackEntryHead(VIDEO_TRACK_NUMBER, MATROSKA_TRACK_TYPE_VIDEO, CODEC_IDS[track.codec], track.codecPrivate),
    ...size,
  );
}

function audioEntry(track: AudioTrack): Buffer {
  return ebmlElement(
    MatroskaId.TrackEntry,
    ...trackEntryHead(AUDIO_TRACK_NUMBER, MATROSKA_TRACK_TYPE_AUDIO, CODEC_IDS[track.codec], track.codecPrivate),
    ebmlElement(MatroskaId.Audio, ebmlFloat(MatroskaId.SamplingFrequency, track.sampleRate), ebmlUint(MatroskaId.Channels, track.channels)),
  );
}
