import { AAC_SAMPLING_FREQUENCIES, AacObjectType, type AudioSpecificConfig } from './aac-audio-specific-config';
import { AdtsEncodeError } from './codec-errors';

export const ADTS_HEADER_SIZE = 7;
/** aac_frame_length is 13 bits and includes the header. */
export const ADTS_MAX_FRAME_LENGTH = 0x1fff;

export type AdtsConfig = Pick<AudioSpecificConfig, 'objectType' | 'samplingFrequencyIndex' | 'channels'> &
  Partial<Pick<AudioSpecificConfig, 'channelConfiguration' | 'coreObjectType'>>;

/**
 * 7-byte ADTS header (no CRC) for one raw AAC frame of `payloadLength`
 * bytes, as MPEG-TS/HLS needs in front of every FLV AAC raw frame.
 *
 * For HE-AAC (object type 5/29) the header describes the core AAC layer
 * (profile LC unless coreObjectType says otherwise, core sampling rate) and
 * SBR/PS are signalled implicitly, which is the only way ADTS can carry them.
 *
 * Throws AdtsEncodeError for what ADTS cannot express: object types above 4
 * (the profile field is 2 bits), explicit sampling frequencies (index 15),
 * channelConfiguration 0 (needs an in-band PCE) or above 7, and frames over
 * 8191 bytes including the header.
 */
export function encodeAdtsHeader(config: AdtsConfig, payloadLength: number): Buffer {
  const isHeAac = config.objectType === AacObjectType.Sbr || config.objectType === AacObjectType.Ps;
  const objectType = isHeAac ? (config.coreObjectType ?? AacObjectType.Lc) : config.objectType;
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 4) {
    throw new AdtsEncodeError(`ADTS cannot signal AAC object type ${objectType} (only 1..4)`);
  }
  const sfi = config.samplingFrequencyIndex;
  if (!Number.isInteger(sfi) || sfi < 0 || sfi > 12) {
    throw new AdtsEncodeError(`ADTS cannot signal samplingFrequencyIndex ${sfi} (only 0..12)`);
  }
  const channelConfiguration = config.channelConfiguration ?? channelConfigurationFor(config.channels);
  if (!Number.isInteger(channelConfiguration) || channelConfiguration < 1 || channelConfiguration > 7) {
    throw new AdtsEncodeError(`ADTS header cannot signal channelConfiguration ${channelConfiguration} (${config.channels} channels); only 1..7`);
  }
  const frameLength = ADTS_HEADER_SIZE + payloadLength;
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || frameLength > ADTS_MAX_FRAME_LENGTH) {
    throw new AdtsEncodeError(`ADTS frame of ${payloadLength} payload bytes does not fit (max ${ADTS_MAX_FRAME_LENGTH - ADTS_HEADER_SIZE})`);
  }
  const out = Buffer.alloc(ADTS_HEADER_SIZE);
  out[0] = 0xff; // syncword 0xFFF ...
  out[1] = 0xf1; // ... MPEG-4, layer 0, protection_absent = 1 (no CRC)
  out[2] = ((objectType - 1) << 6) | (sfi << 2) | (channelConfiguration >> 2);
  out[3] = ((channelConfiguration & 0x03) << 6) | (frameLength >> 11);
  out[4] = (frameLength >> 3) & 0xff;
  out[5] = ((frameLength & 0x07) << 5) | 0x1f; // buffer fullness 0x7FF = VBR ...
  out[6] = 0xfc; // ... continued, 1 raw data block (number_of_raw_data_blocks_in_frame = 0)
  return out;
}

/** Inverse of Table 1.19 for the counts ADTS can express. */
function channelConfigurationFor(channels: number): number {
  if (channels >= 1 && channels <= 6) return channels;
  if (channels === 8) return 7;
  return 0;
}

/** Fields of one ADTS frame header (ISO/IEC 13818-7 / 14496-3 §1.A.2). */
export interface AdtsHeader {
  /** MPEG-4 audio object type: ADTS profile + 1 (2 = AAC-LC). */
  objectType: number;
  samplingFrequencyIndex: number;
  sampleRate: number;
  channelConfiguration: number;
  /** 7, or 9 with a CRC. */
  headerLength: number;
  /** Whole frame including the header. */
  frameLength: number;
  /** number_of_raw_data_blocks_in_frame + 1. */
  rawDataBlocks: number;
}

/**
 * Reads the ADTS header at `offset`, or returns undefined when the bytes
 * there are not a plausible one (no sync word, reserved sampling index,
 * frame shorter than its header). Fewer than 7 bytes also gives undefined:
 * the caller decides whether that is truncation or garbage.
 */
export function parseAdtsHeader(buf: Buffer, offset = 0): AdtsHeader | undefined {
  if (buf.length - offset < ADTS_HEADER_SIZE) return undefined;
  const b1 = buf[offset + 1] as number;
  if (buf[offset] !== 0xff || (b1 & 0xf6) !== 0xf0) return undefined; // syncword, layer 0
  const b2 = buf[offset + 2] as number;
  const b3 = buf[offset + 3] as number;
  const samplingFrequencyIndex = (b2 >> 2) & 0x0f;
  const sampleRate = AAC_SAMPLING_FREQUENCIES[samplingFrequencyIndex];
  if (sampleRate === undefined) return undefined;
  const headerLength = (b1 & 0x01) === 1 ? ADTS_HEADER_SIZE : ADTS_HEADER_SIZE + 2;
  const frameLength = ((b3 & 0x03) << 11) | ((buf[offset + 4] as number) << 3) | ((buf[offset + 5] as number) >> 5);
  if (frameLength < headerLength) return undefined;
  return {
    objectType: (b2 >> 6) + 1,
    samplingFrequencyIndex,
    sampleRate,
    channelConfiguration: ((b2 & 0x01) << 2) | (b3 >> 6),
    headerLength,
    frameLength,
    rawDataBlocks: ((buf[offset + 6] as number) & 0x03) + 1,
  };
}
