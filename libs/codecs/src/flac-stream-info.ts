import { AudioParseError } from './codec-errors';

/** FLAC's stream marker (RFC 9639 §6), which Matroska's A_FLAC CodecPrivate starts with. */
export const FLAC_STREAM_MARKER = Buffer.from('fLaC', 'latin1');
const STREAMINFO_TYPE = 0;
const STREAMINFO_BYTES = 34;
const BLOCK_HEADER_BYTES = 4;
const LAST_BLOCK_FLAG = 0x80;
/** Metadata blocks read from one header: STREAMINFO, comments, padding... far fewer in any live encoder's output. */
const MAX_METADATA_BLOCKS = 16;

export interface FlacStreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** The stream's header as FLAC files and Matroska's CodecPrivate hold it: 'fLaC', then the metadata blocks, the last one flagged. */
  header: Buffer;
}

/**
 * Reads a FLAC stream header in any of the shapes writers put in a codec
 * configuration (an E-RTMP 'fLaC' SequenceStart among them): the whole
 * header ('fLaC' + metadata blocks), the metadata blocks alone (as MP4's
 * dfLa box holds them), or the bare 34-byte STREAMINFO body (FFmpeg's
 * extradata). Returns the rate, channels and sample size from STREAMINFO and
 * the header in its file form. Throws AudioParseError on anything else.
 */
export function parseFlacStreamHeader(body: Buffer): FlacStreamInfo {
  let blocks: Buffer;
  if (body.length === STREAMINFO_BYTES) {
    blocks = Buffer.concat([Buffer.from([LAST_BLOCK_FLAG | STREAMINFO_TYPE, 0, 0, STREAMINFO_BYTES]), body]);
  } else {
    blocks = body.subarray(0, 4).equals(FLAC_STREAM_MARKER) ? body.subarray(4) : body;
  }
  const header = Buffer.concat([FLAC_STREAM_MARKER, wholeBlocks(blocks)]);
  const info = header.subarray(FLAC_STREAM_MARKER.length + BLOCK_HEADER_BYTES);
  // STREAMINFO: block sizes (2 × 16 bits), frame sizes (2 × 24), then sample rate (20), channels − 1 (3), bits − 1 (5).
  const packed = info.readUInt32BE(10);
  const sampleRate = packed >>> 12;
  if (sampleRate === 0) throw new AudioParseError('FLAC STREAMINFO has a sample rate of 0');
  return { sampleRate, channels: ((packed >>> 9) & 0x07) + 1, bitsPerSample: ((packed >>> 4) & 0x1f) + 1, header };
}

/** The metadata blocks up to the one flagged last (or the end), STREAMINFO first, the last one flagged; copied. */
function wholeBlocks(blocks: Buffer): Buffer {
  if (
    blocks.length < BLOCK_HEADER_BYTES + STREAMINFO_BYTES ||
    ((blocks[0] as number) & 0x7f) !== STREAMINFO_TYPE ||
    blocks.readUIntBE(1, 3) !== STREAMINFO_BYTES
  ) {
    throw new AudioParseError('FLAC header does not start with a 34-byte STREAMINFO block');
  }
  let p = 0;
  let last = 0;
  for (let count = 0; p < blocks.length; count++) {
    if (count === MAX_METADATA_BLOCKS) throw new AudioParseError(`FLAC header has more than ${MAX_METADATA_BLOCKS} metadata blocks`);
    if (p + BLOCK_HEADER_BYTES > blocks.length) throw new AudioParseError('FLAC metadata block header is cut short');
    const end = p + BLOCK_HEADER_BYTES + blocks.readUIntBE(p + 1, 3);
    if (end > blocks.length) throw new AudioParseError('FLAC metadata block runs past the header');
    last = p;
    const isLast = ((blocks[p] as number) & LAST_BLOCK_FLAG) !== 0;
    p = end;
    if (isLast) break;
  }
  const out = Buffer.from(blocks.subarray(0, p));
  out[last] = (out[last] as number) | LAST_BLOCK_FLAG;
  return out;
}
