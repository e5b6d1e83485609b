import { AAC_SAMPLING_FREQUENCIES, encodeAudioSpecificConfig } from './aac-audio-specific-config';
import { splitAnnexBNalus } from './annexb-nalus';
import { buildAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
import { H264NaluType, h264NaluType } from './avc-nalus';
import { CodecError } from './codec-errors';
import { FLV_SOUND_FORMAT_AAC, FLV_SOUND_FORMAT_EX_HEADER, FLV_VIDEO_CODEC_AVC, FLV_VIDEO_CODEC_HEVC } from './flv-constants';
import { AAC_PACKET_TYPE_RAW, AAC_PACKET_TYPE_SEQUENCE_HEADER, ExAudioPacketType } from './flv-audio-tag-header';
import {
  AVC_PACKET_TYPE_NALU,
  AVC_PACKET_TYPE_SEQUENCE_HEADER,
  ExVideoPacketType,
  FLV_FRAME_TYPE_INTER,
  FLV_FRAME_TYPE_KEY,
  encodeExVideoTagHeader,
} from './flv-video-tag-header';
import { buildHevcDecoderConfigurationRecord } from './hevc-decoder-configuration-record';
import { HevcNaluType, hevcNaluType } from './hevc-nalus';
import type { MpegTsAccessUnit } from './mpegts-demuxer';
import { buildOpusHead } from './opus-packet';

/** One FLV tag body (RTMP audio/video message payload) with its FLV timestamp: what the stream hub takes. */
export interface FlvTagBody {
  kind: 'video' | 'audio';
  /** Decode timestamp in ms (FLV/RTMP timestamps are DTS). */
  timestamp: number;
  payload: Buffer;
}

export interface MpegTsToFlvStats {
  /** Access units dropped: video before its parameter sets or first keyframe, unsupported audio layouts, malformed NAL data. */
  droppedAccessUnits: number;
  /** Sequence headers emitted (first one and every parameter set / audio config change). */
  sequenceHeaders: number;
}

export interface MpegTsToFlvOptions {
  /**
   * How HEVC video is written: `codec-id-12` (default; the pre-E-RTMP
   * extension nginx-rtmp forks and SRS use) or `hvc1`, Enhanced RTMP's
   * ex-header with FourCC 'hvc1' (what OBS 30+ and FFmpeg 6.1+ send and read).
   */
  hevc?: 'codec-id-12' | 'hvc1';
}

/** An AU from another PID of the same kind takes over once the current PID has been silent this long (program change). */
const PID_SWITCH_SILENCE_MS = 1000;
/** FLV CompositionTime is a signed 24-bit field. */
const MAX_COMPOSITION_TIME_MS = 0x7fffff;
/** E-RTMP FourCCs of the audio codecs written with an ex-header. */
const AUDIO_FOURCCS = { opus: Buffer.from('Opus', 'latin1'), ac3: Buffer.from('ac-3', 'latin1'), eac3: Buffer.from('ec-3', 'latin1') } as const;
/** SoundFormat 10 (AAC), 44 kHz, 16-bit, stereo: the fixed first byte FLV uses for AAC whatever the real layout (the ASC tells). */
const FLV_AAC_HEADER_BYTE = (FLV_SOUND_FORMAT_AAC << 4) | 0x0f;

interface VideoTrack {
  pid: number;
  codec: 'h264' | 'hevc';
  vps: Buffer[];
  sps: Buffer[];
  pps: Buffer[];
  /** The last sequence header payload sent, to detect parameter set changes. */
  config: Buffer | undefined;
  sawKeyframe: boolean;
  lastTs: number;
  lastDtsMs: number;
}

type AudioCodec = 'aac' | 'opus' | 'ac3' | 'eac3';

interface AudioTrack {
  pid: number;
  codec: AudioCodec;
  configKey: string | undefined;
  lastTs: number;
  lastDtsMs: number;
}

/**
 * Turns MpegTsDemuxer access units into FLV tag bodies for the stream hub:
 * the same shapes an RTMP publisher sends, so everything downstream (FLV
 * play, HLS, recordings, the WebRTC bridge) works unchanged.
 *
 * - H.264: Annex B → AVCC with 4-byte lengths; AUD, SPS, PPS and filler
 *   removed from frames; an AVC sequence header built from SPS/PPS before the
 *   first frame and again whenever they change; frames before the first
 *   keyframe are dropped; CompositionTime = PTS − DTS.
 * - HEVC: the same with VPS/SPS/PPS, as legacy FLV CodecID 12 (the de-facto
 *   extension nginx-rtmp forks, SRS and the hub recognise) or, with
 *   `hevc: 'hvc1'`, as E-RTMP 'hvc1' (SequenceStart, then CodedFrames, or
 *   CodedFramesX when the composition time is 0). FFmpeg 5.1's FLV
 *   demuxer reads neither codec id 12 nor E-RTMP 'hvc1'; with 12 it skips the
 *   video as an unknown codec, whereas an E-RTMP header would be misread as
 *   legacy codec ids 0/1/3 (CodedFramesX as Screen Video), i.e. decode errors.
 * - AAC: an AAC sequence header (AudioSpecificConfig from the ADTS fields)
 *   first and on every change, then raw frames.
 * - Opus: E-RTMP audio with FourCC 'Opus' (SequenceStart carries an
 *   OpusHead, then CodedFrames). FFmpeg 5.1 cannot read Opus in FLV at all
 *   (its FLV demuxer predates E-RTMP audio); mono/stereo only.
 * - AC-3 / E-AC-3: E-RTMP audio with FourCC 'ac-3' / 'ec-3', CodedFrames
 *   only: every sync frame describes itself, so there is no sequence header.
 *
 * One video and one audio PID are followed (the first seen of each; another
 * takes over after PID_SWITCH_SILENCE_MS of silence). Timestamps are rounded
 * to ms, start at >= 0 and never go backwards per kind.
 */
export class MpegTsToFlv {
  readonly stats: MpegTsToFlvStats = { droppedAccessUnits: 0, sequenceHeaders: 0 };
  private video: VideoTrack | undefined;
  private audio: AudioTrack | undefined;
  private readonly enhancedHevc: boolean;

  constructor(options: MpegTsToFlvOptions = {}) {
    this.enhancedHevc = options.hevc === 'hvc1';
  }

  /** Tag bodies for one access unit (none, one, or a sequence header followed by the frame). */
  push(au: MpegTsAccessUnit): FlvTagBody[] {
    try {
      if (au.codec === 'h264' || au.codec === 'hevc') return this.onVideo(au);
      return this.onAudio(au);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.stats.droppedAccessUnits++;
      return [];
    }
  }

  /** Convenience: push() over a list of access units. */
  pushAll(aus: readonly MpegTsAccessUnit[]): FlvTagBody[] {
    const out: FlvTagBody[] = [];
    for (const au of aus) out.push(...this.push(au));
    return out;
  }

  private onVideo(au: MpegTsAccessUnit): FlvTagBody[] {
    const codec = au.codec as 'h264' | 'hevc';
    let track = this.video;
    if (track === undefined || (track.pid !== au.pid && au.dtsMs - track.lastDtsMs > PID_SWITCH_SILENCE_MS)) {
      track = { pid: au.pid, codec, vps: [], sps: [], pps: [], config: undefined, sawKeyframe: false, lastTs: track?.lastTs ?? 0, lastDtsMs: au.dtsMs };
      this.video = track;
    }
    if (track.pid !== au.pid) return [];
    if (track.codec !== codec) {
      // Same PID, new stream type (PMT change): start over with the new codec's parameter sets.
      Object.assign(track, { codec, vps: [], sps: [], pps: [], config: undefined, sawKeyframe: false });
    }
    track.lastDtsMs = au.dtsMs;
    const nalus = splitAnnexBNalus(au.data);
    const frame: Buffer[] = [];
    const vps: Buffer[] = [];
    const sps: Buffer[] = [];
    const pps: Buffer[] = [];
    for (const nalu of nalus) {
      const type = codec === 'h264' ? h264NaluType(nalu) : hevcNaluType(nalu);
      if (codec === 'h264') {
        if (type === H264NaluType.Sps) sps.push(nalu);
        else if (type === H264NaluType.Pps) pps.push(nalu);
        else if (type !== H264NaluType.Aud && type !== H264_FILLER) frame.push(nalu);
      } else if (type === HevcNaluType.Vps) vps.push(nalu);
      else if (type === HevcNaluType.Sps) sps.push(nalu);
      else if (type === HevcNaluType.Pps) pps.push(nalu);
      else if (type !== HevcNaluType.Aud && type !== HevcNaluType.Fd) frame.push(nalu);
    }
    // Copies: parameter sets live as long as the stream, views would pin each keyframe's buffer.
    if (vps.length > 0) track.vps = vps.map((b) => Buffer.from(b));
    if (sps.length > 0) track.sps = sps.map((b) => Buffer.from(b));
    if (pps.length > 0) track.pps = pps.map((b) => Buffer.from(b));

    const out: FlvTagBody[] = [];
    const ts = Math.max(track.lastTs, Math.round(au.dtsMs), 0);
    track.lastTs = ts;
    const codecId = codec === 'h264' ? FLV_VIDEO_CODEC_AVC : FLV_VIDEO_CODEC_HEVC;
    const enhanced = codec === 'hevc' && this.enhancedHevc;
    if (sps.length > 0 || pps.length > 0 || vps.length > 0) {
      const ready = track.sps.length > 0 && track.pps.length > 0 && (codec === 'h264' || track.vps.length > 0);
      if (ready) {
        const record =
          codec === 'h264' ? buildAvcDecoderConfigurationRecord(track.sps, track.pps) : buildHevcDecoderConfigurationRecord(track.vps, track.sps, track.pps);
        if (track.config === undefined || !track.config.equals(record)) {
          track.config = record;
          this.stats.sequenceHeaders++;
          const header = enhanced
            ? encodeExVideoTagHeader('hvc1', FLV_FRAME_TYPE_KEY, ExVideoPacketType.SequenceStart)
            : videoHeader(FLV_FRAME_TYPE_KEY, codecId, AVC_PACKET_TYPE_SEQUENCE_HEADER, 0);
          out.push({ kind: 'video', timestamp: ts, payload: Buffer.concat([header, record]) });
        }
      }
    }
    if (track.config === undefined || frame.length === 0 || (!track.sawKeyframe && !au.keyframe)) {
      // Nothing a decoder could use yet: no parameter sets, or not started at a keyframe.
      if (frame.length > 0) this.stats.droppedAccessUnits++;
      return out;
    }
    track.sawKeyframe = true;
    const cts = Math.min(MAX_COMPOSITION_TIME_MS, Math.max(0, Math.round(au.ptsMs) - ts));
    const frameType = au.keyframe ? FLV_FRAME_TYPE_KEY : FLV_FRAME_TYPE_INTER;
    const header = !enhanced
      ? videoHeader(frameType, codecId, AVC_PACKET_TYPE_NALU, cts)
      : cts === 0
        ? encodeExVideoTagHeader('hvc1', frameType, ExVideoPacketType.CodedFramesX)
        : encodeExVideoTagHeader('hvc1', frameType, ExVideoPacketType.CodedFrames, cts);
    let size = header.length;
    for (const nalu of frame) size += 4 + nalu.length;
    const payload = Buffer.allocUnsafe(size);
    header.copy(payload, 0);
    let pos = header.length;
    for (const nalu of frame) {
      payload.writeUInt32BE(nalu.length, pos);
      pos += 4 + nalu.copy(payload, pos + 4);
    }
    out.push({ kind: 'video', timestamp: ts, payload });
    return out;
  }

  private onAudio(au: MpegTsAccessUnit): FlvTagBody[] {
    const codec = au.codec as AudioCodec;
    let track = this.audio;
    if (track === undefined || (track.pid !== au.pid && au.dtsMs - track.lastDtsMs > PID_SWITCH_SILENCE_MS)) {
      track = { pid: au.pid, codec, configKey: undefined, lastTs: track?.lastTs ?? 0, lastDtsMs: au.dtsMs };
      this.audio = track;
    }
    if (track.pid !== au.pid) return [];
    track.codec = codec;
    track.lastDtsMs = au.dtsMs;
    const ts = Math.max(track.lastTs, Math.round(au.dtsMs), 0);
    track.lastTs = ts;
    const out: FlvTagBody[] = [];
    if (codec === 'aac') {
      const info = au.aac;
      if (info === undefined) throw new CodecError('AAC access unit without its ADTS configuration');
      const sfi = AAC_SAMPLING_FREQUENCIES.indexOf(info.sampleRate);
      const channelConfiguration = info.channels === 8 ? 7 : info.channels;
      const key = `aac/${info.audioObjectType}/${sfi}/${channelConfiguration}`;
      if (key !== track.configKey) {
        const asc = encodeAudioSpecificConfig(info.audioObjectType, sfi, channelConfiguration);
        track.configKey = key;
        this.stats.sequenceHeaders++;
        out.push({ kind: 'audio', timestamp: ts, payload: Buffer.concat([Buffer.from([FLV_AAC_HEADER_BYTE, AAC_PACKET_TYPE_SEQUENCE_HEADER]), asc]) });
      }
      out.push({ kind: 'audio', timestamp: ts, payload: Buffer.concat([Buffer.from([FLV_AAC_HEADER_BYTE, AAC_PACKET_TYPE_RAW]), au.data]) });
      return out;
    }
    if (codec === 'opus') {
      const channels = au.opus?.channels ?? 2;
      const key = `opus/${channels}`;
      if (key !== track.configKey) {
        const head = buildOpusHead(channels);
        track.configKey = key;
        this.stats.sequenceHeaders++;
        out.push({ kind: 'audio', timestamp: ts, payload: Buffer.concat([exAudioHeader(codec, ExAudioPacketType.SequenceStart), head]) });
      }
    }
    out.push({ kind: 'audio', timestamp: ts, payload: Buffer.concat([exAudioHeader(codec, ExAudioPacketType.CodedFrames), au.data]) });
    return out;
  }
}

/** H.264 nal_unit_type 12: filler data, meaningless outside a CBR transport. */
const H264_FILLER = 12;

function videoHeader(frameType: number, codecId: number, packetType: number, cts: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = (frameType << 4) | codecId;
  b[1] = packetType;
  b.writeIntBE(cts, 2, 3);
  return b;
}

function exAudioHeader(codec: keyof typeof AUDIO_FOURCCS, packetType: number): Buffer {
  return Buffer.concat([Buffer.from([(FLV_SOUND_FORMAT_EX_HEADER << 4) | packetType]), AUDIO_FOURCCS[codec]]);
}
