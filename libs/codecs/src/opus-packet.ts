import { AudioParseError } from './codec-errors';

/** Frame duration in 48 kHz samples per TOC config (RFC 6716 §3.1): SILK 10/20/40/60 ms, hybrid 10/20, CELT 2.5/5/10/20. */
function frameSamples(config: number): number {
  if (config < 12) return [480, 960, 1920, 2880][config % 4] as number;
  if (config < 16) return [480, 960][config % 2] as number;
  return [120, 240, 480, 960][config % 4] as number;
}

/**
 * Duration of one Opus packet in 48 kHz samples from its TOC byte (and
 * frame count byte for code 3), or 0 when the packet is too short to say.
 */
export function opusPacketSamples(packet: Buffer): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const perFrame = frameSamples(toc >> 3);
  const code = toc & 0x03;
  if (code === 0) return perFrame;
  if (code !== 3) return 2 * perFrame;
  const count = packet[1];
  return count === undefined ? 0 : (count & 0x3f) * perFrame;
}

/**
 * The 19-byte Opus identification header ("OpusHead", RFC 7845 §5.1) for
 * mono or stereo (channel mapping family 0), which E-RTMP carries as the
 * Opus SequenceStart. Pre-skip 312 samples is libopus's usual encoder delay.
 */
export function buildOpusHead(channels: number, inputSampleRate = 48000, preSkip = 312): Buffer {
  if (channels !== 1 && channels !== 2) throw new AudioParseError(`OpusHead for ${channels} channels needs a mapping table (only 1 or 2 supported)`);
  const out = Buffer.alloc(19);
  out.write('OpusHead', 0, 'latin1');
  out[8] = 1; // version
  out[9] = channels;
  out.writeUInt16LE(preSkip, 10);
  out.writeUInt32LE(inputSampleRate, 12);
  out.writeInt16LE(0, 16); // output gain
  out[18] = 0; // mapping family 0
  return out;
}

/** What an OpusHead says (RFC 7845 §5.1). */
export interface OpusHead {
  channels: number;
  preSkip: number;
  /** The encoder's input rate: informational only, Opus always decodes at 48 kHz. */
  inputSampleRate: number;
  /** 0 mono/stereo, 1 Vorbis order surround, 255 unordered. */
  mappingFamily: number;
}

/**
 * Reads the Opus identification header an E-RTMP 'Opus' SequenceStart
 * carries. Bounded: the fixed 19 bytes are checked before any read, the
 * channel mapping table (families other than 0) is not read. Throws
 * AudioParseError on anything that is not an OpusHead.
 */
export function parseOpusHead(data: Buffer): OpusHead {
  if (data.length < 19) throw new AudioParseError(`OpusHead truncated: ${data.length} of 19 bytes`);
  if (data.toString('latin1', 0, 8) !== 'OpusHead') throw new AudioParseError('Opus sequence header does not start with "OpusHead"');
  const version = data[8] as number;
  // The major version (upper nibble) is 0; a change there is incompatible (RFC 7845 §5.1 item 2).
  if (version >> 4 !== 0) throw new AudioParseError(`OpusHead version ${version} is not supported`);
  const channels = data[9] as number;
  if (channels === 0) throw new AudioParseError('OpusHead with 0 channels');
  const mappingFamily = data[18] as number;
  if (mappingFamily === 0 && channels > 2) throw new AudioParseError(`OpusHead mapping family 0 with ${channels} channels`);
  return { channels, preSkip: data.readUInt16LE(10), inputSampleRate: data.readUInt32LE(12), mappingFamily };
}
