import { encodeAdtsHeader } from './aac-adts-header';
import { parseAc3SyncFrameHeader } from './ac3-sync-frame';
import { type AudioSpecificConfig, parseAudioSpecificConfig } from './aac-audio-specific-config';
import { parseAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
import { H264NaluType, h264NaluType, nalusToAnnexB, splitAvcNalus } from './avc-nalus';
import { AudioParseError, CodecError } from './codec-errors';
import { FLV_SOUND_FORMAT_AAC, FLV_TAG_AUDIO, FLV_TAG_VIDEO, FLV_VIDEO_CODEC_AVC, FLV_VIDEO_CODEC_HEVC } from './flv-constants';
import { parseFlvAudioTagHeader } from './flv-audio-tag-header';
import { AVC_PACKET_TYPE_NALU, parseFlvVideoTagHeader } from './flv-video-tag-header';
import { E_RTMP_AUDIO_FOURCC_CODECS, ExAudioPacketType } from './flv-audio-tag-header';
import { parseOpusHead } from './opus-packet';
import { parseHevcDecoderConfigurationRecord } from './hevc-decoder-configuration-record';
import { HEVC_AUD_NALU, HevcNaluType, hevcNaluType } from './hevc-nalus';
import {
  MPEGTS_EXTENSION_DESCRIPTOR,
  MPEGTS_OPUS_EXTENSION_TAG,
  MPEGTS_PACKET_SIZE,
  MPEGTS_PACKETS_PER_DATAGRAM,
  MPEGTS_PAT_PID,
  MPEGTS_REGISTRATION_DESCRIPTOR,
  MPEGTS_SYNC_BYTE,
  MPEGTS_TICKS_PER_MS,
  MPEGTS_TIMESTAMP_MODULUS,
  MpegTsStreamType,
} from './mpegts-constants';
import { mpegTsCrc32 } from './mpegts-crc32';

/** An FLV tag body as the hub holds it (HubFrame is structurally one). Script tags are ignored. */
export interface FlvMuxInput {
  kind: 'video' | 'audio' | 'script';
  /** DTS in ms. */
  timestamp: number;
  payload: Buffer;
}

/** An FLV tag (its type code, a timestamp and its body) as the muxers take it: script and unknown types are 'script', which they ignore. */
export function flvMuxInputOf(type: number, timestamp: number, payload: Buffer): FlvMuxInput {
  return { kind: type === FLV_TAG_VIDEO ? 'video' : type === FLV_TAG_AUDIO ? 'audio' : 'script', timestamp, payload };
}

export interface FlvToMpegTsStats {
  /** Frames that could not be carried: before their sequence header, malformed, or an unsupported codec. */
  droppedFrames: number;
}

/** The PIDs FFmpeg uses, so captures look familiar. */
export const MPEGTS_MUX_PMT_PID = 0x1000;
export const MPEGTS_MUX_VIDEO_PID = 0x100;
export const MPEGTS_MUX_AUDIO_PID = 0x101;
const PROGRAM_NUMBER = 1;
/** Timestamps start 1.4 s into the 90 kHz clock, as FFmpeg's muxer does, so PCR (0.7 s earlier) never needs to be negative. */
const TIMESTAMP_OFFSET_TICKS = 1.4 * 90_000;
const PCR_LEAD_TICKS = 0.7 * 90_000;
/** PAT/PMT at least this often even without keyframes (audio-only streams, long GOPs). */
const TABLE_INTERVAL_MS = 500;
const H264_AUD_NALU = Buffer.from([0x09, 0xf0]);
const STREAM_ID_VIDEO = 0xe0;
const STREAM_ID_AUDIO = 0xc0;
/** Opus and AC-3 / E-AC-3 PES go in private_stream_1, as ETSI TS 102 366 / ATSC A/52 (and FFmpeg's muxer) put them. */
const STREAM_ID_PRIVATE_1 = 0xbd;
/** Most channels a TS Opus channel_config_code (1–8, default mapping) describes. */
const OPUS_TS_MAX_CHANNELS = 8;

/** AAC frames go out as ADTS; Opus packets with the TS Opus control header; AC-3 / E-AC-3 sync frames as they are. */
type AudioConfig = { codec: 'aac'; asc: AudioSpecificConfig } | { codec: 'opus'; channels: number } | { codec: 'ac3' | 'eac3' };
/** AC-3 / E-AC-3 in the PMT as ATSC and FFmpeg's muxer write them: their stream type with a registration descriptor. */
const AC3_STREAMS = {
  ac3: { type: MpegTsStreamType.Ac3, descriptors: Buffer.from([MPEGTS_REGISTRATION_DESCRIPTOR, 4, ...Buffer.from('AC-3', 'latin1')]) },
  eac3: { type: MpegTsStreamType.Eac3, descriptors: Buffer.from([MPEGTS_REGISTRATION_DESCRIPTOR, 4, ...Buffer.from('EAC3', 'latin1')]) },
} as const;

interface VideoConfig {
  codec: 'h264' | 'hevc';
  lengthSize: number;
  /** Parameter sets written before every keyframe (SPS/PPS, or VPS/SPS/PPS). */
  parameterSets: Buffer[];
}

/**
 * Muxes FLV tag bodies (H.264 and AAC; HEVC as codec id 12 or E-RTMP 'hvc1';
 * Opus, AC-3 and E-AC-3 as E-RTMP 'Opus', 'ac-3', 'ec-3') into MPEG-TS, as SRT playback sends it to players
 * and the internal TS pull gives it to FFmpeg.
 *
 * - PAT/PMT before every keyframe, when the set of streams changes and at
 *   least every 500 ms; PCR on the video PID (the audio PID when there is
 *   no video), from the DTS 0.7 s ahead as FFmpeg does.
 * - AVCC → Annex B with an AUD and the SPS/PPS (VPS/SPS/PPS) before each
 *   keyframe; AAC raw → ADTS; Opus → stream type 0x06 with the 'Opus'
 *   registration and channel-config extension descriptors, each packet behind
 *   an opus_control_header (the layout the demuxer and FFmpeg read);
 *   AC-3 / E-AC-3 → stream type 0x81 / 0x87 in private_stream_1 PES, one
 *   sync frame each (their track is learnt from the first frame: E-RTMP
 *   gives them no sequence header); PES
 *   with PTS and DTS; continuity counters per PID.
 * - Output: 188-byte packets grouped into Buffers of up to 7 packets (1316
 *   bytes: one SRT live payload). Packets are never held back between calls,
 *   so the last Buffer of a call may be shorter.
 *
 * Input that cannot be carried (frames before their sequence header,
 * malformed tags, other codecs) is dropped and counted, never thrown: the
 * bytes come from a publisher and must not cost other viewers their stream.
 */
export class FlvToMpegTsMuxer {
  readonly stats: FlvToMpegTsStats = { droppedFrames: 0 };
  private video: VideoConfig | undefined;
  private audio: AudioConfig | undefined;
  private pmtVersion = 0;
  private tablesDue = true;
  private lastTablesMs: number | undefined;
  private readonly cc = new Map<number, number>();
  private packets: Buffer[] = [];

  /** TS packets for one FLV tag body (empty for sequence headers, script data and dropped frames). */
  push(tag: FlvMuxInput): Buffer[] {
    this.packets = [];
    try {
      if (tag.kind === 'video') this.onVideo(tag);
      else if (tag.kind === 'audio') this.onAudio(tag);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.stats.droppedFrames++;
    }
    return this.group();
  }

  private onVideo(tag: FlvMuxInput): void {
    const header = parseFlvVideoTagHeader(tag.payload);
    if (header.codecId !== FLV_VIDEO_CODEC_AVC && header.codecId !== FLV_VIDEO_CODEC_HEVC) {
      this.stats.droppedFrames++;
      return;
    }
    const body = tag.payload.subarray(header.headerSize);
    if (header.isSequenceHeader) {
      const codec = header.codecId === FLV_VIDEO_CODEC_AVC ? 'h264' : 'hevc';
      let config: VideoConfig;
      if (codec === 'h264') {
        const record = parseAvcDecoderConfigurationRecord(body);
        config = { codec, lengthSize: record.nalUnitLengthSize, parameterSets: [...record.sps, ...record.pps] };
      } else {
        const record = parseHevcDecoderConfigurationRecord(body);
        config = { codec, lengthSize: record.nalUnitLengthSize, parameterSets: [...record.vps, ...record.sps, ...record.pps] };
      }
      if (this.video?.codec !== codec) this.streamsChanged();
      this.video = config;
      return;
    }
    const config = this.video;
    if (header.avcPacketType !== AVC_PACKET_TYPE_NALU) return; // end of sequence: nothing to send
    if (config === undefined || (config.codec === 'h264') !== (header.codecId === FLV_VIDEO_CODEC_AVC)) {
      this.stats.droppedFrames++;
      return;
    }
    const nalus = splitAvcNalus(body, config.lengthSize).filter((n) =>
      config.codec === 'h264' ? h264NaluType(n) !== H264NaluType.Aud : hevcNaluType(n) !== HevcNaluType.Aud,
    );
    if (nalus.length === 0) return;
    const keyframe = header.isKeyframe;
    const prefix = [config.codec === 'h264' ? H264_AUD_NALU : HEVC_AUD_NALU, ...(keyframe ? config.parameterSets : [])];
    const dts = tag.timestamp;
    const pts = dts + Math.max(0, header.compositionTime ?? 0);
    if (keyframe || this.tablesDueAt(dts)) this.writeTables(dts);
    this.writePes(MPEGTS_MUX_VIDEO_PID, STREAM_ID_VIDEO, nalusToAnnexB([...prefix, ...nalus]), pts, dts, true, keyframe);
  }

  private onAudio(tag: FlvMuxInput): void {
    const header = parseFlvAudioTagHeader(tag.payload);
    const codec = header.soundFormat === FLV_SOUND_FORMAT_AAC ? 'aac' : tsAudioCodec(header.fourCc);
    if (codec === undefined) {
      this.stats.droppedFrames++;
      return;
    }
    const body = tag.payload.subarray(header.headerSize);
    const selfDescribing = codec === 'ac3' || codec === 'eac3';
    if (header.isSequenceHeader) {
      if (!selfDescribing) this.setAudio(codec === 'aac' ? { codec, asc: aacConfig(body) } : { codec, channels: opusChannels(body) });
      return;
    }
    if (header.fourCc !== undefined && header.exPacketType !== ExAudioPacketType.CodedFrames) return; // end of sequence etc.
    if (selfDescribing) {
      if (parseAc3SyncFrameHeader(body)?.codec !== codec) throw new AudioParseError(`'${header.fourCc}' frame is not an ${codec} sync frame`);
      if (this.audio?.codec !== codec) this.setAudio({ codec });
    }
    if (this.audio?.codec !== codec) {
      this.stats.droppedFrames++;
      return;
    }
    const dts = tag.timestamp;
    if (this.tablesDueAt(dts)) this.writeTables(dts);
    const [streamId, frame] =
      this.audio.codec === 'aac'
        ? [STREAM_ID_AUDIO, Buffer.concat([encodeAdtsHeader(this.audio.asc, body.length), body])]
        : this.audio.codec === 'opus'
          ? [STREAM_ID_PRIVATE_1, Buffer.concat([opusControlHeader(body.length), body])]
          : [STREAM_ID_PRIVATE_1, body];
    // Without video the audio PID carries the PCR.
    this.writePes(MPEGTS_MUX_AUDIO_PID, streamId, frame, dts, dts, this.video === undefined, true);
  }

  private setAudio(config: AudioConfig): void {
    // The PMT describes the codec and, for Opus, the channel count: a change of either is a new PMT version.
    const channels = (a: AudioConfig | undefined) => (a?.codec === 'opus' ? a.channels : undefined);
    if (this.audio?.codec !== config.codec || channels(this.audio) !== channels(config)) this.streamsChanged();
    this.audio = config;
  }

  private streamsChanged(): void {
    this.pmtVersion = (this.pmtVersion + 1) & 0x1f;
    this.tablesDue = true;
  }

  private tablesDueAt(ms: number): boolean {
    return this.tablesDue || this.lastTablesMs === undefined || Math.abs(ms - this.lastTablesMs) >= TABLE_INTERVAL_MS;
  }

  private writeTables(ms: number): void {
    this.tablesDue = false;
    this.lastTablesMs = ms;
    // PAT: one program, its PMT.
    const pat = Buffer.alloc(4);
    pat.writeUInt16BE(PROGRAM_NUMBER, 0);
    pat.writeUInt16BE(0xe000 | MPEGTS_MUX_PMT_PID, 2);
    this.writeSection(MPEGTS_PAT_PID, 0x00, 1, 0, pat);
    // PMT: PCR PID, then one entry per stream (descriptors for Opus, AC-3 and E-AC-3 only).
    const streams: Array<{ type: number; pid: number; descriptors: Buffer }> = [];
    const none = Buffer.alloc(0);
    if (this.video)
      streams.push({ type: this.video.codec === 'h264' ? MpegTsStreamType.H264 : MpegTsStreamType.Hevc, pid: MPEGTS_MUX_VIDEO_PID, descriptors: none });
    if (this.audio?.codec === 'aac') streams.push({ type: MpegTsStreamType.AacAdts, pid: MPEGTS_MUX_AUDIO_PID, descriptors: none });
    if (this.audio?.codec === 'opus')
      streams.push({ type: MpegTsStreamType.PrivateData, pid: MPEGTS_MUX_AUDIO_PID, descriptors: opusDescriptors(this.audio.channels) });
    if (this.audio?.codec === 'ac3' || this.audio?.codec === 'eac3') streams.push({ ...AC3_STREAMS[this.audio.codec], pid: MPEGTS_MUX_AUDIO_PID });
    const entries = streams.map(({ type, pid, descriptors }) => {
      const entry = Buffer.alloc(5 + descriptors.length);
      entry[0] = type;
      entry.writeUInt16BE(0xe000 | pid, 1);
      entry.writeUInt16BE(0xf000 | descriptors.length, 3);
      descriptors.copy(entry, 5);
      return entry;
    });
    const head = Buffer.alloc(4);
    head.writeUInt16BE(0xe000 | (this.video ? MPEGTS_MUX_VIDEO_PID : MPEGTS_MUX_AUDIO_PID), 0);
    head.writeUInt16BE(0xf000, 2); // program_info_length 0
    this.writeSection(MPEGTS_MUX_PMT_PID, 0x02, PROGRAM_NUMBER, this.pmtVersion, Buffer.concat([head, ...entries]));
  }

  /** A long-form PSI section (with CRC) in a single packet. */
  private writeSection(pid: number, tableId: number, idExtension: number, version: number, body: Buffer): void {
    const sectionLength = 5 + body.length + 4;
    const section = Buffer.alloc(3 + sectionLength);
    section[0] = tableId;
    section.writeUInt16BE(0xb000 | sectionLength, 1); // section_syntax_indicator 1, '0', reserved 11
    section.writeUInt16BE(idExtension, 3);
    section[5] = 0xc1 | (version << 1); // reserved 11, version, current_next 1
    section[6] = 0;
    section[7] = 0;
    body.copy(section, 8);
    section.writeUInt32BE(mpegTsCrc32(section, 0, section.length - 4), section.length - 4);
    const pkt = Buffer.alloc(MPEGTS_PACKET_SIZE, 0xff);
    pkt[0] = MPEGTS_SYNC_BYTE;
    pkt[1] = 0x40 | (pid >> 8);
    pkt[2] = pid & 0xff;
    pkt[3] = 0x10 | this.nextCc(pid);
    pkt[4] = 0; // pointer_field
    section.copy(pkt, 5);
    this.packets.push(pkt);
  }

  private writePes(pid: number, streamId: number, data: Buffer, ptsMs: number, dtsMs: number, withPcr: boolean, randomAccess: boolean): void {
    const pts = toTicks(ptsMs);
    const dts = toTicks(dtsMs);
    const withDts = pts !== dts;
    const headerDataLength = withDts ? 10 : 5;
    const header = Buffer.alloc(9 + headerDataLength);
    header[2] = 1;
    header[3] = streamId;
    const pesLength = 3 + headerDataLength + data.length;
    // Video PES may exceed 65535 bytes: 0 means unbounded (allowed for video only, which is the only one that gets this big).
    header.writeUInt16BE(pesLength > 0xffff ? 0 : pesLength, 4);
    header[6] = 0x80 | (randomAccess && streamId === STREAM_ID_VIDEO ? 0x04 : 0); // '10', data_alignment_indicator on keyframes
    header[7] = withDts ? 0xc0 : 0x80;
    header[8] = headerDataLength;
    writeTimestamp(header, 9, withDts ? 0x3 : 0x2, pts);
    if (withDts) writeTimestamp(header, 14, 0x1, dts);
    const pcr = withPcr ? (dts - PCR_LEAD_TICKS + MPEGTS_TIMESTAMP_MODULUS) % MPEGTS_TIMESTAMP_MODULUS : undefined;
    this.packetize(pid, Buffer.concat([header, data]), pcr, randomAccess);
  }

  private packetize(pid: number, pes: Buffer, pcr: number | undefined, randomAccess: boolean): void {
    let pos = 0;
    let first = true;
    while (pos < pes.length) {
      const pkt = Buffer.alloc(MPEGTS_PACKET_SIZE, 0xff);
      pkt[0] = MPEGTS_SYNC_BYTE;
      pkt[1] = (first ? 0x40 : 0) | (pid >> 8);
      pkt[2] = pid & 0xff;
      // Adaptation field content after its length byte: flags (+ PCR) on the first packet.
      let afBody = 0;
      let flags = 0;
      if (first && (pcr !== undefined || randomAccess)) {
        flags = (randomAccess ? 0x40 : 0) | (pcr !== undefined ? 0x10 : 0);
        afBody = 1 + (pcr !== undefined ? 6 : 0);
      }
      let afTotal = afBody > 0 ? 1 + afBody : 0;
      const remaining = pes.length - pos;
      if (remaining < 184 - afTotal) {
        // Last packet: stuff with the adaptation field so the payload ends the packet.
        const stuffing = 184 - afTotal - remaining;
        afTotal += stuffing;
      }
      const take = 184 - afTotal;
      pkt[3] = (afTotal > 0 ? 0x30 : 0x10) | this.nextCc(pid);
      if (afTotal > 0) {
        pkt[4] = afTotal - 1;
        if (afTotal > 1) {
          pkt[5] = flags;
          if (pcr !== undefined && afBody > 0) writePcr(pkt, 6, pcr);
        }
      }
      pes.copy(pkt, 4 + afTotal, pos, pos + take);
      pos += take;
      first = false;
      this.packets.push(pkt);
    }
  }

  private nextCc(pid: number): number {
    const cc = ((this.cc.get(pid) ?? 15) + 1) & 0x0f;
    this.cc.set(pid, cc);
    return cc;
  }

  /** This call's packets as Buffers of up to 7 packets (1316 bytes). */
  private group(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < this.packets.length; i += MPEGTS_PACKETS_PER_DATAGRAM) {
      out.push(Buffer.concat(this.packets.slice(i, i + MPEGTS_PACKETS_PER_DATAGRAM)));
    }
    this.packets = [];
    return out;
  }
}

/** An AAC AudioSpecificConfig the muxer can carry: ADTS must be able to express it (throws, dropping it, if not). */
function aacConfig(body: Buffer): AudioSpecificConfig {
  const config = parseAudioSpecificConfig(body);
  encodeAdtsHeader(config, 0);
  return config;
}

/** The E-RTMP audio codecs MPEG-TS carries here: all of the muxers' but FLAC, which TS has no stream type for. */
function tsAudioCodec(fourCc: string | undefined): 'opus' | 'ac3' | 'eac3' | undefined {
  const codec = E_RTMP_AUDIO_FOURCC_CODECS[fourCc ?? ''];
  return codec === 'flac' ? undefined : codec;
}

/** The channel count of an E-RTMP Opus SequenceStart (an OpusHead) when a TS channel_config_code can describe it. */
function opusChannels(body: Buffer): number {
  const head = parseOpusHead(body);
  if (head.channels > OPUS_TS_MAX_CHANNELS || head.mappingFamily > 1) {
    throw new AudioParseError(`Opus with ${head.channels} channels in mapping family ${head.mappingFamily} has no TS channel_config_code`);
  }
  return head.channels;
}

/** Registration descriptor 'Opus' + DVB extension descriptor (Opus, channel_config_code = channels, default mapping). */
function opusDescriptors(channels: number): Buffer {
  return Buffer.from([
    MPEGTS_REGISTRATION_DESCRIPTOR,
    4,
    ...Buffer.from('Opus', 'latin1'),
    MPEGTS_EXTENSION_DESCRIPTOR,
    2,
    MPEGTS_OPUS_EXTENSION_TAG,
    channels,
  ]);
}

/** opus_control_header: prefix 0x3ff, no trims, no extension; then au_size as 0xff bytes and a remainder byte. */
function opusControlHeader(size: number): Buffer {
  const header = Buffer.alloc(2 + Math.floor(size / 255) + 1, 0xff);
  header[0] = 0x7f;
  header[1] = 0xe0;
  header[header.length - 1] = size % 255;
  return header;
}

function toTicks(ms: number): number {
  return (Math.round(ms * MPEGTS_TICKS_PER_MS) + TIMESTAMP_OFFSET_TICKS) % MPEGTS_TIMESTAMP_MODULUS;
}

/** 5-byte PTS/DTS field: 4-bit prefix, 33 bits split 3/15/15 with marker bits. */
function writeTimestamp(b: Buffer, at: number, prefix: number, ticks: number): void {
  const high = Math.floor(ticks / 2 ** 30) & 0x07;
  const mid = Math.floor(ticks / 2 ** 15) & 0x7fff;
  const low = ticks & 0x7fff;
  b[at] = (prefix << 4) | (high << 1) | 1;
  b.writeUInt16BE((mid << 1) | 1, at + 1);
  b.writeUInt16BE((low << 1) | 1, at + 3);
}

/** 6-byte PCR: 33-bit base, 6 reserved bits, 9-bit extension 0. */
function writePcr(b: Buffer, at: number, base: number): void {
  b[at] = Math.floor(base / 2 ** 25) & 0xff;
  b[at + 1] = Math.floor(base / 2 ** 17) & 0xff;
  b[at + 2] = Math.floor(base / 2 ** 9) & 0xff;
  b[at + 3] = Math.floor(base / 2) & 0xff;
  b[at + 4] = ((base % 2) << 7) | 0x7e;
  b[at + 5] = 0;
}
