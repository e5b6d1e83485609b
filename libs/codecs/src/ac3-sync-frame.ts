/**
 * AC-3 and E-AC-3 sync frames (ATSC A/52:2018, §5.4 and Annex E §E.1.2):
 * what a demuxer needs to split a stream into frames and what a container
 * header needs (sample rate, channels, samples per frame).
 */

/** Every AC-3 and E-AC-3 sync frame starts with this 16-bit sync word. */
export const AC3_SYNC_WORD = 0x0b77;
/** The bytes a header needs to be read: sync word to lfeon, at its furthest (AC-3 with every mix level). */
export const AC3_HEADER_READ_BYTES = 8;
/** Largest sync frame: E-AC-3's frmsiz is 11 bits of 16-bit words. */
export const AC3_MAX_FRAME_BYTES = 4096;

export interface Ac3SyncFrameHeader {
  /** `ac3` for bsid ≤ 8 (A/52 §5), `eac3` for bsid 11–16 (Annex E). */
  codec: 'ac3' | 'eac3';
  sampleRate: number;
  /** Full-bandwidth channels from acmod, plus one for the LFE. */
  channels: number;
  /** The whole sync frame, header included. */
  frameBytes: number;
  /** PCM samples per channel the frame decodes to: 1536 for AC-3, 256 per audio block for E-AC-3. */
  samples: number;
  /** E-AC-3 stream type (0 independent, 1 dependent, 2 AC-3 converted); 0 for AC-3. */
  streamType: number;
}

/** fscod → Hz; 3 is reserved in AC-3 and means "half rate, see fscod2" in E-AC-3. */
const SAMPLE_RATES = [48_000, 44_100, 32_000] as const;
const REDUCED_SAMPLE_RATES = [24_000, 22_050, 16_000] as const;
/** acmod → full-bandwidth channels (0 is 1+1 dual mono: two channels). */
const ACMOD_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5] as const;
/** frmsizecod >> 1 → nominal bit rate in kb/s (A/52 Table 5.18). */
const AC3_BIT_RATES_KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640] as const;
/** E-AC-3 numblkscod → audio blocks per frame. */
const EAC3_BLOCKS = [1, 2, 3, 6] as const;
const AC3_SAMPLES_PER_FRAME = 1536;
const SAMPLES_PER_BLOCK = 256;

/**
 * Reads the sync frame header at `offset`, or undefined when the bytes there
 * are not a plausible one (no sync word, reserved codes, an unknown bsid) or
 * fewer than AC3_HEADER_READ_BYTES remain: the caller tells truncation from
 * garbage. Never throws; CRCs are not checked (the decoder does).
 */
export function parseAc3SyncFrameHeader(buf: Buffer, offset = 0): Ac3SyncFrameHeader | undefined {
  if (offset < 0 || buf.length - offset < AC3_HEADER_READ_BYTES) return undefined;
  if (buf.readUInt16BE(offset) !== AC3_SYNC_WORD) return undefined;
  // bsid sits at the same place in both syntaxes: the top five bits of byte 5.
  const bsid = (buf[offset + 5] as number) >> 3;
  if (bsid <= 8) return parseAc3(buf, offset);
  if (bsid >= 11 && bsid <= 16) return parseEac3(buf, offset);
  return undefined;
}

function parseAc3(buf: Buffer, offset: number): Ac3SyncFrameHeader | undefined {
  const b4 = buf[offset + 4] as number;
  const fscod = b4 >> 6;
  const frmsizecod = b4 & 0x3f;
  const sampleRate = SAMPLE_RATES[fscod];
  const kbps = AC3_BIT_RATES_KBPS[frmsizecod >> 1];
  if (sampleRate === undefined || kbps === undefined) return undefined;
  // Words of 16 bits per frame: bit rate × 1536 samples ÷ sample rate ÷ 16 (44.1 kHz rounds down, odd codes add one word).
  const words = Math.floor((kbps * 1000 * AC3_SAMPLES_PER_FRAME) / sampleRate / 16) + (fscod === 1 ? frmsizecod & 1 : 0);
  // After bsid (5) and bsmod (3): acmod (3), the mix levels acmod asks for, then lfeon.
  const bits = ((buf[offset + 6] as number) << 8) | (buf[offset + 7] as number);
  const acmod = bits >> 13;
  let lfeAt = 12; // bit index (from the MSB of `bits`) of lfeon with no mix levels
  if ((acmod & 1) !== 0 && acmod !== 1) lfeAt -= 2; // cmixlev
  if ((acmod & 4) !== 0) lfeAt -= 2; // surmixlev
  if (acmod === 2) lfeAt -= 2; // dsurmod
  const lfeon = (bits >> lfeAt) & 1;
  return { codec: 'ac3', sampleRate, channels: channelsOf(acmod) + lfeon, frameBytes: words * 2, samples: AC3_SAMPLES_PER_FRAME, streamType: 0 };
}

function parseEac3(buf: Buffer, offset: number): Ac3SyncFrameHeader | undefined {
  const b2 = buf[offset + 2] as number;
  const streamType = b2 >> 6;
  if (streamType === 3) return undefined; // reserved
  const frmsiz = ((b2 & 0x07) << 8) | (buf[offset + 3] as number);
  const b4 = buf[offset + 4] as number;
  const fscod = b4 >> 6;
  let sampleRate: number | undefined;
  let blocks: number;
  if (fscod === 3) {
    sampleRate = REDUCED_SAMPLE_RATES[(b4 >> 4) & 0x03];
    blocks = 6;
  } else {
    sampleRate = SAMPLE_RATES[fscod];
    blocks = EAC3_BLOCKS[(b4 >> 4) & 0x03] as number;
  }
  if (sampleRate === undefined) return undefined;
  const acmod = (b4 >> 1) & 0x07;
  const lfeon = b4 & 0x01;
  return { codec: 'eac3', sampleRate, channels: channelsOf(acmod) + lfeon, frameBytes: (frmsiz + 1) * 2, samples: blocks * SAMPLES_PER_BLOCK, streamType };
}

function channelsOf(acmod: number): number {
  return ACMOD_CHANNELS[acmod] as number;
}
