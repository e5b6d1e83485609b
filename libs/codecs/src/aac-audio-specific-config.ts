import { BitReader } from './bit-reader';
import { AudioParseError } from './codec-errors';

/** MPEG-4 Audio Object Types used in live streaming. */
export const AacObjectType = {
  Main: 1,
  Lc: 2,
  Ssr: 3,
  Ltp: 4,
  /** HE-AAC (SBR). */
  Sbr: 5,
  /** HE-AACv2 (SBR + Parametric Stereo). */
  Ps: 29,
} as const;

/** samplingFrequencyIndex 0..12 (ISO/IEC 14496-3 Table 1.18); 13, 14 reserved, 15 explicit. */
export const AAC_SAMPLING_FREQUENCIES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** Index value meaning "a 24-bit sampling frequency follows". */
export const AAC_EXPLICIT_FREQUENCY_INDEX = 15;

/** channelConfiguration → channel count (Table 1.19); 0 means "defined in a PCE". */
const CHANNELS_BY_CONFIGURATION: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8];

export interface AudioSpecificConfig {
  /** Audio Object Type as signalled (5/29 for explicitly signalled HE-AAC). */
  objectType: number;
  /** Sampling rate in Hz of the (core) AAC stream. */
  sampleRate: number;
  /** 0..12, or 15 when the rate was given explicitly. */
  samplingFrequencyIndex: number;
  /** Channel count; 0 when channelConfiguration is 0 (layout in a PCE, not parsed). */
  channels: number;
  /** Raw channelConfiguration field. */
  channelConfiguration: number;
  /** For HE-AAC (objectType 5/29): output sample rate after SBR. */
  extensionSampleRate?: number;
  /** For HE-AAC (objectType 5/29): the underlying object type (normally 2, LC). */
  coreObjectType?: number;
}

/**
 * Parses the AudioSpecificConfig from an AAC sequence header (FLV AAC
 * packet type 0) or an MP4 esds.
 *
 * Handles the 31 escape for object types above 30, explicit 24-bit sampling
 * frequencies (index 15) and explicit HE-AAC/HE-AACv2 signalling. The
 * object-type-specific GASpecificConfig that follows is not parsed: nothing
 * needed for muxing or codec strings lives there.
 */
export function parseAudioSpecificConfig(buf: Buffer): AudioSpecificConfig {
  const r = new BitReader(buf, (message) => new AudioParseError(message), 'AudioSpecificConfig');
  let objectType = readObjectType(r);
  const frequency = readSamplingFrequency(r);
  const channelConfiguration = r.readBits(4);
  const channels = CHANNELS_BY_CONFIGURATION[channelConfiguration];
  if (channels === undefined) {
    throw new AudioParseError(`AudioSpecificConfig channelConfiguration ${channelConfiguration} is reserved`);
  }
  const config: AudioSpecificConfig = { objectType, ...frequency, channels, channelConfiguration };
  if (objectType === AacObjectType.Sbr || objectType === AacObjectType.Ps) {
    config.extensionSampleRate = readSamplingFrequency(r).sampleRate;
    objectType = readObjectType(r);
    config.coreObjectType = objectType;
  }
  return config;
}

function readObjectType(r: BitReader): number {
  const objectType = r.readBits(5);
  if (objectType === 31) return 32 + r.readBits(6);
  if (objectType === 0) throw new AudioParseError('AudioSpecificConfig audioObjectType 0 is invalid');
  return objectType;
}

function readSamplingFrequency(r: BitReader): { sampleRate: number; samplingFrequencyIndex: number } {
  const samplingFrequencyIndex = r.readBits(4);
  if (samplingFrequencyIndex === AAC_EXPLICIT_FREQUENCY_INDEX) {
    const sampleRate = r.readBits(24);
    if (sampleRate === 0) throw new AudioParseError('AudioSpecificConfig explicit sampling frequency is 0');
    return { sampleRate, samplingFrequencyIndex };
  }
  const sampleRate = AAC_SAMPLING_FREQUENCIES[samplingFrequencyIndex];
  if (sampleRate === undefined) {
    throw new AudioParseError(`AudioSpecificConfig samplingFrequencyIndex ${samplingFrequencyIndex} is reserved`);
  }
  return { sampleRate, samplingFrequencyIndex };
}

/**
 * The 2-byte AudioSpecificConfig for an object type 1..30, a sampling
 * frequency index 0..12 and a channelConfiguration 0..7: what an ADTS header
 * describes, as the FLV AAC sequence header needs it. GASpecificConfig is
 * all zero (frame length 1024, no core coder, no extension).
 */
export function encodeAudioSpecificConfig(objectType: number, samplingFrequencyIndex: number, channelConfiguration: number): Buffer {
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 30) {
    throw new AudioParseError(`AudioSpecificConfig object type ${objectType} is not 1..30`);
  }
  if (!Number.isInteger(samplingFrequencyIndex) || samplingFrequencyIndex < 0 || samplingFrequencyIndex > 12) {
    throw new AudioParseError(`AudioSpecificConfig samplingFrequencyIndex ${samplingFrequencyIndex} is not 0..12`);
  }
  if (!Number.isInteger(channelConfiguration) || channelConfiguration < 0 || channelConfiguration > 7) {
    throw new AudioParseError(`AudioSpecificConfig channelConfiguration ${channelConfiguration} is not 0..7`);
  }
  const bits = (objectType << 11) | (samplingFrequencyIndex << 7) | (channelConfiguration << 3);
  const out = Buffer.alloc(2);
  out.writeUInt16BE(bits, 0);
  return out;
}
