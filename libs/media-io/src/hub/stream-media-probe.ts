import {
  CodecError,
  FLV_SOUND_FORMAT_AAC,
  FLV_VIDEO_CODEC_AVC,
  FLV_VIDEO_CODEC_HEVC,
  aacCodecString,
  av1CodecString,
  av1LevelNumber,
  av1ProfileName,
  av1SequenceHeaderOfRecord,
  avcCodecString,
  hevcProfileName,
  parseAudioSpecificConfig,
  parseAvcDecoderConfigurationRecord,
  parseFlvAudioTagHeader,
  parseFlvVideoTagHeader,
  parseH264Sps,
  parseHevcDecoderConfigurationRecord,
  parseHevcSps,
  parseAc3SyncFrameHeader,
  parseFlacStreamHeader,
  parseOpusHead,
  parseVp9FrameHeader,
  parseVpCodecConfigurationRecord,
  vp9CodecString,
  vp9ProfileName,
  type Amf0Value,
} from '@mediaplane/codecs';

/** What the bitstream says about a stream; the shape of the contracts' MediaInfo. */
export interface ProbedMediaInfo {
  video?: { codec: string; codecString?: string; profile?: string; level?: number; width?: number; height?: number; fps?: number };
  audio?: { codec: string; codecString?: string; sampleRate?: number; channels?: number };
}

const H264_PROFILES: Record<number, string> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4 Predictive',
  44: 'CAVLC 4:4:4 Intra',
};

const FLV_VIDEO_CODECS: Record<number, string> = { 2: 'h263', 3: 'screen', 4: 'vp6', 5: 'vp6a', 6: 'screen2', 7: 'h264', 12: 'hevc' };
const FLV_AUDIO_CODECS: Record<number, string> = {
  0: 'pcm',
  1: 'adpcm',
  2: 'mp3',
  3: 'pcm',
  4: 'nellymoser',
  5: 'nellymoser',
  6: 'nellymoser',
  7: 'g711a',
  8: 'g711u',
  10: 'aac',
  11: 'speex',
  14: 'mp3',
};
const FOURCC_CODECS: Record<string, string> = {
  avc1: 'h264',
  hvc1: 'hevc',
  av01: 'av1',
  vp09: 'vp9',
  mp4a: 'aac',
  Opus: 'opus',
  fLaC: 'flac',
  'ac-3': 'ac3',
  'ec-3': 'eac3',
  '.mp3': 'mp3',
};
const FLV_SOUND_RATES = [5512, 11025, 22050, 44100];
/** Codecs whose details wait for a decoder configuration (AC-3 / E-AC-3: their first sync frame) before the stream counts as started. */
const CONFIGURED_CODECS = new Set(['h264', 'hevc', 'aac', 'flac', 'ac3', 'eac3']);
/** Opus always decodes at 48 kHz (OpusHead's input rate is informational), which is what players report. */
const OPUS_SAMPLE_RATE = 48_000;

/** Frames used to measure the frame rate from timestamps when neither the SPS nor onMetaData states it. */
const FPS_SAMPLE_FRAMES = 60;

/**
 * Learns a published stream's media facts from what flows through it:
 * codec, profile, level, size and frame rate from the AVC sequence header's
 * SPS; profile, level and size from the HEVC one (legacy codec id 12 or
 * E-RTMP 'hvc1'); profile, level and size from the AV1 sequence header
 * ('av01' av1C); profile and level from VP9's vpcC and size from its
 * keyframe headers ('vp09'); sample rate and channels from the AAC AudioSpecificConfig (legacy
 * or E-RTMP 'mp4a'), from the OpusHead of E-RTMP 'Opus', the STREAMINFO of 'fLaC' and from the sync
 * frames of E-RTMP 'ac-3' / 'ec-3'; frame rate
 * also from onMetaData or, failing both, measured from video timestamps; and
 * the bitrate actually received. Malformed headers are ignored (counted in
 * `parseErrors`): they must not end a stream that players may still decode.
 */
export class StreamMediaProbe {
  private video?: NonNullable<ProbedMediaInfo['video']>;
  private audio?: NonNullable<ProbedMediaInfo['audio']>;
  private videoConfigSeen = false;
  private audioConfigSeen = false;
  private metadataFps?: number;
  private expectVideo = true;
  private expectAudio = true;
  private spsFps?: number;
  private readonly frameTimes: number[] = [];
  private measuredFps?: number;
  private bytes = 0;
  private sampledBytes = 0;
  private sampledAt: number;
  private lastKbps = 0;
  parseErrors = 0;

  constructor(now: number = Date.now()) {
    this.sampledAt = now;
  }

  get bytesIn(): number {
    return this.bytes;
  }

  /**
   * True when every expected track has shown its codec (with its decoder
   * configuration for H.264/HEVC/AAC): what a "stream started" event waits
   * for. Tracks are expected from onMetaData when it came first, else both.
   */
  get codecsKnown(): boolean {
    return (
      (!this.expectVideo || this.trackReady(this.video?.codec, this.videoConfigSeen)) &&
      (!this.expectAudio || this.trackReady(this.audio?.codec, this.audioConfigSeen))
    );
  }

  get mediaInfo(): ProbedMediaInfo {
    const info: ProbedMediaInfo = {};
    if (this.video) {
      const fps = this.spsFps ?? this.metadataFps ?? this.measuredFps;
      info.video = { ...this.video, ...(fps !== undefined ? { fps } : {}) };
    }
    if (this.audio) info.audio = { ...this.audio };
    return info;
  }

  observeMetadata(properties: Record<string, Amf0Value>): void {
    const has = (...names: string[]): boolean => names.some((n) => properties[n] !== undefined);
    if (has('videocodecid', 'width', 'height', 'videodatarate') || has('audiocodecid', 'audiosamplerate', 'audiodatarate')) {
      this.expectVideo = has('videocodecid', 'width', 'height', 'videodatarate');
      this.expectAudio = has('audiocodecid', 'audiosamplerate', 'audiodatarate', 'stereo');
    }
    const rate = properties['framerate'] ?? properties['videoframerate'];
    if (typeof rate === 'number' && plausibleFps(rate)) this.metadataFps = round2(rate);
  }

  observe(kind: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    this.bytes += payload.length;
    try {
      if (kind === 'video') this.observeVideo(timestamp, payload);
      else this.observeAudio(payload);
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      this.parseErrors += 1;
    }
  }

  /** Kilobits per second received since the previous sample. */
  sampleBitrateKbps(now: number = Date.now()): number {
    const elapsed = now - this.sampledAt;
    if (elapsed < 200) return this.lastKbps;
    this.lastKbps = Math.round(((this.bytes - this.sampledBytes) * 8) / elapsed);
    this.sampledBytes = this.bytes;
    this.sampledAt = now;
    return this.lastKbps;
  }

  private trackReady(codec: string | undefined, configSeen: boolean): boolean {
    if (codec === undefined) return false;
    return configSeen || !CONFIGURED_CODECS.has(codec);
  }

  private observeVideo(timestamp: number, payload: Buffer): void {
    const header = parseFlvVideoTagHeader(payload);
    if (header.videoCommand !== undefined) return;
    const codec = header.fourCc ? (FOURCC_CODECS[header.fourCc] ?? header.fourCc) : (FLV_VIDEO_CODECS[header.codecId] ?? `flv-${header.codecId}`);
    if (this.video === undefined || this.video.codec !== codec) this.video = { codec };
    if (header.isSequenceHeader) {
      this.videoConfigSeen = true;
      if (header.codecId === FLV_VIDEO_CODEC_AVC) this.readAvcConfig(payload.subarray(header.headerSize));
      else if (header.codecId === FLV_VIDEO_CODEC_HEVC) this.readHevcConfig(payload.subarray(header.headerSize));
      else if (codec === 'av1') this.readAv1Config(payload.subarray(header.headerSize));
      else if (codec === 'vp9') this.readVp9Config(payload.subarray(header.headerSize));
      return;
    }
    this.measureFps(timestamp);
    // VP9's configuration record holds no size: its keyframes' headers do.
    if (codec === 'vp9' && header.isKeyframe && this.video.width === undefined) this.readVp9Keyframe(payload.subarray(header.headerSize));
  }

  /** Profile, level and size from the sequence header OBU an av1C carries (none: the codec alone). */
  private readAv1Config(body: Buffer): void {
    const sequenceHeader = av1SequenceHeaderOfRecord(body);
    if (!sequenceHeader) return;
    this.video = {
      codec: 'av1',
      codecString: av1CodecString(sequenceHeader),
      profile: av1ProfileName(sequenceHeader.profile),
      level: av1LevelNumber(sequenceHeader.level),
      width: sequenceHeader.width,
      height: sequenceHeader.height,
    };
  }

  /** Profile and level from the vpcC (a level of 0 is the writer's "unspecified"); the size comes with a keyframe. */
  private readVp9Config(body: Buffer): void {
    const config = parseVpCodecConfigurationRecord(body);
    const known = config.level > 0;
    this.video = {
      codec: 'vp9',
      codecString: known ? vp9CodecString(config) : undefined,
      profile: vp9ProfileName(config.profile),
      level: known ? config.level / 10 : undefined,
    };
  }

  private readVp9Keyframe(frame: Buffer): void {
    const { width, height } = parseVp9FrameHeader(frame);
    if (width !== undefined && height !== undefined) this.video = { ...this.video, codec: 'vp9', width, height };
  }

  private readAvcConfig(body: Buffer): void {
    const record = parseAvcDecoderConfigurationRecord(body);
    const video: NonNullable<ProbedMediaInfo['video']> = {
      codec: 'h264',
      codecString: avcCodecString(record),
      profile: profileName(record.profile, record.compatibility),
      level: record.level / 10,
    };
    const spsNal = record.sps[0];
    if (spsNal) {
      const sps = parseH264Sps(spsNal);
      video.width = sps.width;
      video.height = sps.height;
      if (sps.frameRate !== undefined && plausibleFps(sps.frameRate)) this.spsFps = round2(sps.frameRate);
    }
    this.video = video;
  }

  private readHevcConfig(body: Buffer): void {
    const record = parseHevcDecoderConfigurationRecord(body);
    const spsNal = record.sps[0];
    if (spsNal === undefined) {
      this.video = { codec: 'hevc' };
      return;
    }
    const sps = parseHevcSps(spsNal);
    this.video = { codec: 'hevc', profile: hevcProfileName(sps.profileIdc), level: sps.levelIdc / 30, width: sps.width, height: sps.height };
  }

  private observeAudio(payload: Buffer): void {
    const header = parseFlvAudioTagHeader(payload);
    const codec = header.fourCc ? (FOURCC_CODECS[header.fourCc] ?? header.fourCc) : (FLV_AUDIO_CODECS[header.soundFormat] ?? `flv-${header.soundFormat}`);
    if (this.audio === undefined || this.audio.codec !== codec) {
      this.audio = { codec };
      if (header.soundFormat !== FLV_SOUND_FORMAT_AAC && !header.fourCc) {
        const rate = FLV_SOUND_RATES[header.soundRate];
        if (rate !== undefined) this.audio.sampleRate = rate;
        this.audio.channels = header.soundType === 1 ? 2 : 1;
      }
      if (codec === 'opus') this.audio.sampleRate = OPUS_SAMPLE_RATE;
    }
    if (header.isSequenceHeader && codec === 'opus') {
      this.audioConfigSeen = true;
      const head = parseOpusHead(payload.subarray(header.headerSize));
      // codecString: the MP4 sample entry name, as RFC 6381 and HLS CODECS spell Opus.
      this.audio = { codec: 'opus', codecString: 'Opus', sampleRate: OPUS_SAMPLE_RATE, channels: head.channels };
    }
    if (header.isSequenceHeader && codec === 'flac') {
      this.audioConfigSeen = true;
      const info = parseFlacStreamHeader(payload.subarray(header.headerSize));
      this.audio = { codec: 'flac', codecString: 'fLaC', sampleRate: info.sampleRate, channels: info.channels };
    }
    // AC-3 / E-AC-3 have no sequence header: every sync frame states its rate and channels.
    if ((codec === 'ac3' || codec === 'eac3') && !header.isSequenceHeader && this.audio.sampleRate === undefined) {
      const frame = parseAc3SyncFrameHeader(payload, header.headerSize);
      // codecString: the MP4 sample entry names RFC 6381 and HLS CODECS use.
      if (frame?.codec === codec) {
        this.audioConfigSeen = true;
        this.audio = { codec, codecString: codec === 'ac3' ? 'ac-3' : 'ec-3', sampleRate: frame.sampleRate, channels: frame.channels };
      }
    }
    // The AudioSpecificConfig is the same behind a legacy AAC header and an E-RTMP 'mp4a' one.
    if (header.isSequenceHeader && codec === 'aac') {
      this.audioConfigSeen = true;
      const config = parseAudioSpecificConfig(payload.subarray(header.headerSize));
      this.audio = {
        codec: 'aac',
        codecString: aacCodecString(config),
        sampleRate: config.extensionSampleRate ?? config.sampleRate,
        channels: config.channels,
      };
    }
  }

  private measureFps(timestamp: number): void {
    if (this.measuredFps !== undefined) return;
    this.frameTimes.push(timestamp);
    if (this.frameTimes.length < FPS_SAMPLE_FRAMES) return;
    const first = this.frameTimes[0] as number;
    const last = this.frameTimes[this.frameTimes.length - 1] as number;
    const span = last - first;
    if (span > 0) {
      const fps = ((this.frameTimes.length - 1) * 1000) / span;
      if (plausibleFps(fps)) this.measuredFps = round2(fps);
    }
    this.frameTimes.length = 0;
  }
}

function profileName(profileIdc: number, compatibility: number): string {
  // constraint_set1_flag on Baseline means Constrained Baseline (what WebRTC and most phones produce).
  if (profileIdc === 66 && (compatibility & 0x40) !== 0) return 'Constrained Baseline';
  return H264_PROFILES[profileIdc] ?? `profile ${profileIdc}`;
}

function plausibleFps(fps: number): boolean {
  return Number.isFinite(fps) && fps > 0 && fps <= 1000;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
