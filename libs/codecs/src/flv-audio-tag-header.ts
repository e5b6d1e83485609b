import { ByteReader } from './byte-reader';
import { AudioParseError } from './codec-errors';
import { FLV_SOUND_FORMAT_AAC, FLV_SOUND_FORMAT_EX_HEADER } from './flv-constants';

export const AAC_PACKET_TYPE_SEQUENCE_HEADER = 0;
export const AAC_PACKET_TYPE_RAW = 1;

/** E-RTMP v2 AudioPacketType values. */
export const ExAudioPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  MultichannelConfig: 4,
  Multitrack: 5,
  ModEx: 7,
} as const;

/** E-RTMP audio FourCCs of the codecs the FLV → Matroska / MPEG-TS muxers carry besides AAC (which keeps its legacy header). */
export const E_RTMP_AUDIO_FOURCC_CODECS: Readonly<Record<string, 'opus' | 'flac' | 'ac3' | 'eac3'>> = {
  Opus: 'opus',
  fLaC: 'flac',
  'ac-3': 'ac3',
  'ec-3': 'eac3',
};

export interface FlvAudioTagHeader {
  /** SoundFormat: 2 MP3, 10 AAC, 9 E-RTMP extended header, ... */
  soundFormat: number;
  /** Raw SoundRate code: 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz (always 3 for AAC, meaningless there). */
  soundRate: number;
  /** Raw SoundSize code: 0 = 8-bit, 1 = 16-bit samples. */
  soundSize: number;
  /** Raw SoundType code: 0 = mono, 1 = stereo (always 1 for AAC, meaningless there). */
  soundType: number;
  /** 0 = AudioSpecificConfig, 1 = raw AAC frame (AAC only). */
  aacPacketType?: number;
  /** AAC packet type 0, or an E-RTMP SequenceStart. */
  isSequenceHeader: boolean;
  /** Offset of the codec payload in the tag body. */
  headerSize: number;
  /** E-RTMP v2 FourCC ('mp4a', 'Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3'). */
  fourCc?: string;
  /** E-RTMP v2 AudioPacketType (see ExAudioPacketType). */
  exPacketType?: number;
}

/**
 * Parses the audio tag header at the start of an FLV/RTMP audio tag body.
 *
 * E-RTMP v2 extended audio headers (SoundFormat 9) are decoded to FourCC and
 * packet type; Multitrack and ModEx packets throw AudioParseError (not
 * handled). For them soundRate/soundSize/soundType are 0.
 */
export function parseFlvAudioTagHeader(data: Buffer): FlvAudioTagHeader {
  const r = new ByteReader(data, (message) => new AudioParseError(message), 'FLV audio tag header');
  const first = r.u8();
  const soundFormat = first >> 4;
  if (soundFormat === FLV_SOUND_FORMAT_EX_HEADER) {
    const exPacketType = first & 0x0f;
    if (exPacketType === ExAudioPacketType.Multitrack || exPacketType === ExAudioPacketType.ModEx) {
      throw new AudioParseError(`E-RTMP audio packet type ${exPacketType} (multitrack/ModEx) is not supported`);
    }
    const fourCc = r.bytes(4).toString('latin1');
    return {
      soundFormat,
      soundRate: 0,
      soundSize: 0,
      soundType: 0,
      isSequenceHeader: exPacketType === ExAudioPacketType.SequenceStart,
      headerSize: r.offset,
      fourCc,
      exPacketType,
    };
  }
  const header: FlvAudioTagHeader = {
    soundFormat,
    soundRate: (first >> 2) & 0x03,
    soundSize: (first >> 1) & 0x01,
    soundType: first & 0x01,
    isSequenceHeader: false,
    headerSize: 1,
  };
  if (soundFormat === FLV_SOUND_FORMAT_AAC) {
    header.aacPacketType = r.u8();
    header.isSequenceHeader = header.aacPacketType === AAC_PACKET_TYPE_SEQUENCE_HEADER;
    header.headerSize = r.offset;
  }
  return header;
}
