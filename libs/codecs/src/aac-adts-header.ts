import { AacObjectType, type AudioSpecificConfig } from './aac-audio-specific-config';
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
