import { VideoParseError } from './codec-errors';

export interface IvfFrame {
  /** Presentation time in ms, from the frame's timestamp and the file's time base. */
  timestampMs: number;
  data: Buffer;
}

export interface IvfReaderLimits {
  /** Largest frame accepted; a larger size field is taken as corruption (default 8 MiB). */
  maxFrameBytes: number;
}

const FILE_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 12;
const DEFAULT_LIMITS: IvfReaderLimits = { maxFrameBytes: 8 * 1024 * 1024 };

/**
 * Reads IVF (the VP8/VP9/AV1 elementary stream file FFmpeg writes with
 * `-f ivf`) incrementally: push bytes as they come, get the frames that are
 * complete. The codec is the header's FourCC ('VP90', 'AV01', ...).
 * Untrusted input: a wrong signature, a zero time base or a frame over
 * maxFrameBytes throws VideoParseError; nothing is buffered beyond one frame.
 */
export class IvfReader {
  /** The header's FourCC, once the 32-byte header is in. */
  fourCc: string | undefined;
  private timeBase = { numerator: 1, denominator: 1 };
  private pending: Buffer = Buffer.alloc(0);
  private readonly limits: IvfReaderLimits;

  constructor(limits: Partial<IvfReaderLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  push(chunk: Buffer): IvfFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: IvfFrame[] = [];
    if (this.fourCc === undefined) {
      if (this.pending.length < FILE_HEADER_BYTES) return frames;
      this.readFileHeader(this.pending);
      this.pending = this.pending.subarray(FILE_HEADER_BYTES);
    }
    let pos = 0;
    for (;;) {
      if (this.pending.length - pos < FRAME_HEADER_BYTES) break;
      const size = this.pending.readUInt32LE(pos);
      if (size > this.limits.maxFrameBytes) throw new VideoParseError(`IVF frame of ${size} bytes exceeds ${this.limits.maxFrameBytes}`);
      if (this.pending.length - pos - FRAME_HEADER_BYTES < size) break;
      const pts = Number(this.pending.readBigUInt64LE(pos + 4));
      const start = pos + FRAME_HEADER_BYTES;
      frames.push({
        timestampMs: (pts * 1000 * this.timeBase.numerator) / this.timeBase.denominator,
        data: Buffer.from(this.pending.subarray(start, start + size)),
      });
      pos = start + size;
    }
    this.pending = this.pending.subarray(pos);
    return frames;
  }

  private readFileHeader(buf: Buffer): void {
    if (buf.toString('latin1', 0, 4) !== 'DKIF') throw new VideoParseError('not IVF: no DKIF signature');
    const headerBytes = buf.readUInt16LE(6);
    if (headerBytes !== FILE_HEADER_BYTES) throw new VideoParseError(`IVF header of ${headerBytes} bytes (expected ${FILE_HEADER_BYTES})`);
    const denominator = buf.readUInt32LE(16);
    const numerator = buf.readUInt32LE(20);
    if (denominator === 0 || numerator === 0) throw new VideoParseError('IVF time base is zero');
    this.timeBase = { numerator, denominator };
    this.fourCc = buf.toString('latin1', 8, 12);
  }
}
