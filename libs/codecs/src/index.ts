// Pure media codec helpers: AMF0, FLV, MPEG-TS, AVC/H.264, HEVC, AAC and Opus. No I/O, Node Buffer only.

export {
  CodecError,
  Amf0DecodeError,
  Amf0EncodeError,
  FlvDemuxError,
  FlvEncodeError,
  VideoParseError,
  AudioParseError,
  AdtsEncodeError,
  MpegTsDemuxError,
} from './codec-errors';

// AMF0
export { type Amf0Value, type Amf0Object, Amf0EcmaArray, Amf0Marker, isAmf0Object, amf0Properties } from './amf0-types';
export { type Amf0Limits, DEFAULT_AMF0_LIMITS, AMF0_HARD_MAX_DEPTH } from './amf0-limits';
export { decodeAmf0 } from './amf0-decoder';
export { encodeAmf0 } from './amf0-encoder';

// FLV
export {
  FLV_TAG_AUDIO,
  FLV_TAG_VIDEO,
  FLV_TAG_SCRIPT,
  FLV_HEADER_SIZE,
  FLV_TAG_HEADER_SIZE,
  FLV_PREVIOUS_TAG_SIZE_BYTES,
  FLV_MAX_TAG_DATA_SIZE,
  FLV_VIDEO_CODEC_AVC,
  FLV_VIDEO_CODEC_HEVC,
  FLV_SOUND_FORMAT_AAC,
  FLV_SOUND_FORMAT_EX_HEADER,
} from './flv-constants';
export { type FlvHeaderOptions, encodeFlvHeader, encodeFlvTag, encodeFlvTagHeader, encodeFlvPreviousTagSize, flvTagLength, writeFlvTag } from './flv-encoder';
export { type FlvTag, type FlvFileHeader, type FlvDemuxerOptions, FlvDemuxer, DEFAULT_FLV_MAX_TAG_SIZE } from './flv-demuxer';
export {
  type FlvVideoTagHeader,
  parseFlvVideoTagHeader,
  encodeExVideoTagHeader,
  ExVideoPacketType,
  FLV_FRAME_TYPE_KEY,
  FLV_FRAME_TYPE_INTER,
  FLV_FRAME_TYPE_DISPOSABLE_INTER,
  FLV_FRAME_TYPE_GENERATED_KEY,
  FLV_FRAME_TYPE_COMMAND,
  AVC_PACKET_TYPE_SEQUENCE_HEADER,
  AVC_PACKET_TYPE_NALU,
  AVC_PACKET_TYPE_END_OF_SEQUENCE,
} from './flv-video-tag-header';
export {
  type FlvAudioTagHeader,
  parseFlvAudioTagHeader,
  ExAudioPacketType,
  E_RTMP_AUDIO_FOURCC_CODECS,
  AAC_PACKET_TYPE_SEQUENCE_HEADER,
  AAC_PACKET_TYPE_RAW,
} from './flv-audio-tag-header';

// Video
export { type AvcDecoderConfigurationRecord, parseAvcDecoderConfigurationRecord, buildAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
export { splitAnnexBNalus } from './annexb-nalus';
export { H264AccessUnitScanner } from './h264-access-unit-scanner';
export { isKeyframeStart } from './rtp-keyframe';
export { type RtpHeader, type RtpHeaderExtensionElement, type RtpHeaderFields, encodeRtpHeader, isRtcp, readRtpHeader, renumberRtp } from './rtp-packet';
export { type SenderReport, advanceSenderReport, encodeSenderReport, readSenderReports } from './rtcp-packets';
export { hevcNaluType, HevcNaluType, isHevcIrap, HEVC_AUD_NALU } from './hevc-nalus';
export {
  type HevcDecoderConfigurationRecord,
  buildHevcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
} from './hevc-decoder-configuration-record';
export { type HevcSps, parseHevcSps, hevcProfileName } from './hevc-sps-parser';
export { avcCodecString } from './avc-codec-string';
export {
  type SplitAvcNalusOptions,
  type AvcToAnnexBOptions,
  splitAvcNalus,
  avcToAnnexB,
  nalusToAnnexB,
  nalusToAvcc,
  h264NaluType,
  H264NaluType,
  DEFAULT_MAX_NALUS,
} from './avc-nalus';
export { type H264Sps, parseH264Sps, MAX_SPS_BYTES } from './h264-sps-parser';
export { removeEmulationPrevention } from './h264-rbsp';
export { BitReader } from './bit-reader';

// Audio
export {
  type AudioSpecificConfig,
  parseAudioSpecificConfig,
  AacObjectType,
  AAC_SAMPLING_FREQUENCIES,
  AAC_EXPLICIT_FREQUENCY_INDEX,
  encodeAudioSpecificConfig,
} from './aac-audio-specific-config';
export { aacCodecString } from './aac-codec-string';
export { type AdtsConfig, type AdtsHeader, encodeAdtsHeader, parseAdtsHeader, ADTS_HEADER_SIZE, ADTS_MAX_FRAME_LENGTH } from './aac-adts-header';
export { type Ac3SyncFrameHeader, parseAc3SyncFrameHeader, AC3_SYNC_WORD, AC3_HEADER_READ_BYTES, AC3_MAX_FRAME_BYTES } from './ac3-sync-frame';
export { type FlacStreamInfo, parseFlacStreamHeader, FLAC_STREAM_MARKER } from './flac-stream-info';
export { opusPacketSamples, buildOpusHead, parseOpusHead, type OpusHead } from './opus-packet';

// MPEG-TS
export { MPEGTS_PACKET_SIZE, MPEGTS_SYNC_BYTE, MPEGTS_PACKETS_PER_DATAGRAM, MPEGTS_TICKS_PER_MS, MpegTsStreamType } from './mpegts-constants';
export { mpegTsCrc32 } from './mpegts-crc32';
export { type MpegTsAccessUnit, type MpegTsCodec, type MpegTsLimits, type MpegTsDemuxStats, MpegTsDemuxer, DEFAULT_MPEGTS_LIMITS } from './mpegts-demuxer';
export { MpegTsTimeline } from './mpegts-timeline';
export { type FlvTagBody, type MpegTsToFlvStats, type MpegTsToFlvOptions, MpegTsToFlv } from './mpegts-to-flv';
export {
  type FlvMuxInput,
  flvMuxInputOf,
  type FlvToMpegTsStats,
  FlvToMpegTsMuxer,
  MPEGTS_MUX_PMT_PID,
  MPEGTS_MUX_VIDEO_PID,
  MPEGTS_MUX_AUDIO_PID,
} from './flv-to-mpegts-muxer';
export { type FlvToMatroskaOptions, type FlvToMatroskaStats, FlvToMatroskaMuxer } from './flv-to-matroska-muxer';
export { type IvfFrame, type IvfReaderLimits, IvfReader } from './ivf-reader';
export { IvfToFlv } from './ivf-to-flv';
export { type Av1Obu, Av1ObuType, splitAv1Obus } from './av1-obus';
export { type Av1SequenceHeader, parseAv1SequenceHeader, buildAv1CodecConfigurationRecord, av1SequenceHeaderOfRecord } from './av1-sequence-header';
export {
  type Vp9FrameHeader,
  type VpCodecConfiguration,
  parseVp9FrameHeader,
  buildVpCodecConfigurationRecord,
  parseVpCodecConfigurationRecord,
} from './vp9-frame-header';
export { vp9CodecString, vp9ProfileName } from './vp9-codec-string';
export { av1ProfileName, av1LevelNumber, av1CodecString } from './av1-codec-string';
