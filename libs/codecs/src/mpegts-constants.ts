/** MPEG-TS (ISO/IEC 13818-1) values shared by the demuxer and the muxer. */
export const MPEGTS_PACKET_SIZE = 188;
export const MPEGTS_SYNC_BYTE = 0x47;
/** Packets per SRT live-mode payload: 7 × 188 = 1316 bytes, the usual SRT/UDP payload. */
export const MPEGTS_PACKETS_PER_DATAGRAM = 7;
export const MPEGTS_PAT_PID = 0x0000;
export const MPEGTS_NULL_PID = 0x1fff;
/** 90 kHz PTS/DTS/PCR-base clock ticks per millisecond. */
export const MPEGTS_TICKS_PER_MS = 90;
/** PTS/DTS are 33-bit counters. */
export const MPEGTS_TIMESTAMP_MODULUS = 2 ** 33;

/** stream_type values (13818-1 Table 2-34 and registrations) this library handles. */
export const MpegTsStreamType = {
  /** ADTS AAC (ISO/IEC 13818-7). */
  AacAdts: 0x0f,
  H264: 0x1b,
  Hevc: 0x24,
  /** AC-3 as ATSC A/52 Annex A and FFmpeg's muxer signal it. */
  Ac3: 0x81,
  /** E-AC-3 as ATSC A/52 Annex G and FFmpeg's muxer signal it. */
  Eac3: 0x87,
  /** PES private data: Opus, AC-3 or E-AC-3 by the ES's descriptors (a registration 'Opus', DVB's AC-3 / enhanced AC-3 descriptors). */
  PrivateData: 0x06,
} as const;

/** PSI descriptor tags used for Opus signalling (ETSI TS 102 366-style registration + DVB extension). */
export const MPEGTS_REGISTRATION_DESCRIPTOR = 0x05;
export const MPEGTS_EXTENSION_DESCRIPTOR = 0x7f;
/** DVB extension descriptor tag for Opus audio (channel_config_code). */
export const MPEGTS_OPUS_EXTENSION_TAG = 0x80;
/** DVB AC-3 and enhanced AC-3 descriptor tags (EN 300 468 Annex D): how DVB marks AC-3 / E-AC-3 in PES private data. */
export const MPEGTS_AC3_DESCRIPTOR = 0x6a;
export const MPEGTS_EAC3_DESCRIPTOR = 0x7a;
