import { ByteQueue } from './byte-queue';
import { FlvDemuxError } from './codec-errors';
import { FLV_HEADER_SIZE, FLV_PREVIOUS_TAG_SIZE_BYTES, FLV_TAG_HEADER_SIZE } from './flv-constants';

export interface FlvTag {
  /** Tag type (FLV_TAG_AUDIO / FLV_TAG_VIDEO / FLV_TAG_SCRIPT, others passed through). */
  type: number;
  /** Decode timestamp in milliseconds, unsigned 32-bit (extension byte applied). */
  timestamp: number;
  /**
   * Tag body. When the body arrived inside one large pushed chunk (1 KiB or
   * more) this is a zero-copy view of it, so callers must not mutate chunks
   * after pushing them. Bodies may also view internal blocks shared with
   * neighbouring small tags; copy a tag to keep it detached long-term.
   */
  data: Buffer;
}

export interface FlvFileHeader {
  version: number;
  hasAudio: boolean;
  hasVideo: boolean;
}

export interface FlvDemuxerOptions {
  /**
   * Largest tag body accepted, checked from the tag header before any of the
   * body is buffered. Default 16 MiB (the u24 DataSize field cannot exceed
   * 16 MiB - 1 anyway); lower it for ingest paths with tighter budgets.
   */
  maxTagSize?: number;
  /**
   * Whether the stream starts with the 9-byte FLV header and PreviousTagSize0
   * (default true). False accepts a bare sequence of tags, each followed by
   * its PreviousTagSize, starting at a tag header.
   */
  expectHeader?: boolean;
}

export const DEFAULT_FLV_MAX_TAG_SIZE = 16 * 1024 * 1024;

/**
 * Extra header bytes (DataOffset > 9) are reserved for future versions; we
 * skip a few but treat a huge offset as a corrupt or hostile stream rather
 * than silently discarding megabytes.
 */
const MAX_EXTRA_HEADER_BYTES = 1024;

type State =
  | { kind: 'header' }
  | { kind: 'header-extra'; left: number }
  | { kind: 'previous-tag-size' }
  | { kind: 'tag-header' }
  | { kind: 'tag-body'; type: number; timestamp: number; size: number }
  | { kind: 'failed'; message: string };

/**
 * Incremental FLV parser: feed arbitrary chunks (TCP reads, pipe output),
 * get back every tag completed by that chunk.
 *
 * PreviousTagSize values are consumed but not validated: muxers in the wild
 * write inconsistent values and no reader relies on them for forward parsing.
 * After any error the demuxer stays failed (a desynchronised FLV stream
 * cannot be resumed reliably), and further pushes throw.
 */
export class FlvDemuxer {
  private readonly queue = new ByteQueue();
  private readonly maxTagSize: number;
  private state: State;
  private fileHeader: FlvFileHeader | undefined;

  constructor(options: FlvDemuxerOptions = {}) {
    const maxTagSize = options.maxTagSize ?? DEFAULT_FLV_MAX_TAG_SIZE;
    if (!Number.isInteger(maxTagSize) || maxTagSize < 0) {
      throw new RangeError(`FlvDemuxer maxTagSize must be a non-negative integer, got ${maxTagSize}`);
    }
    this.maxTagSize = maxTagSize;
    this.state = options.expectHeader === false ? { kind: 'tag-header' } : { kind: 'header' };
  }

  /** The parsed FLV header, once it has arrived (undefined with expectHeader: false). */
  get header(): FlvFileHeader | undefined {
    return this.fileHeader;
  }

  /** Bytes held while waiting for the rest of a header or tag. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /**
   * Buffers `chunk` and returns the tags it completed. If the chunk also
   * contains an error, the error is thrown and tags completed earlier in the
   * same chunk are not returned: the stream is unusable from there anyway.
   */
  push(chunk: Buffer): FlvTag[] {
    if (this.state.kind === 'failed') {
      throw new FlvDemuxError(`FlvDemuxer already failed: ${this.state.message}`);
    }
    this.queue.push(chunk);
    const tags: FlvTag[] = [];
    try {
      while (this.step(tags)) {
        // step() returns false when it needs more input
      }
    } catch (error) {
      if (error instanceof FlvDemuxError) this.state = { kind: 'failed', message: error.message };
      throw error;
    }
    return tags;
  }

  /**
   * Declares end of input. Throws FlvDemuxError if the stream stopped in the
   * middle of a header or tag; a missing final PreviousTagSize is tolerated
   * because many writers that are cut off mid-stream omit it.
   */
  end(): void {
    const s = this.state;
    if (s.kind === 'failed') throw new FlvDemuxError(`FlvDemuxer already failed: ${s.message}`);
    if (s.kind === 'previous-tag-size' || (s.kind === 'tag-header' && this.queue.length === 0)) return;
    const what = s.kind === 'tag-body' ? `tag body (${this.queue.length} of ${s.size} bytes)` : `${s.kind} (${this.queue.length} bytes buffered)`;
    throw new FlvDemuxError(`FLV stream ended inside ${what}`);
  }

  /** Advances by at most one structure; false when more input is needed. */
  private step(tags: FlvTag[]): boolean {
    const s = this.state;
    switch (s.kind) {
      case 'header':
        return this.readFileHeader();
      case 'header-extra': {
        const skipped = this.queue.skip(s.left);
        if (skipped < s.left) {
          this.state = { kind: 'header-extra', left: s.left - skipped };
          return false;
        }
        this.state = { kind: 'previous-tag-size' };
        return true;
      }
      case 'previous-tag-size':
        if (this.queue.length < FLV_PREVIOUS_TAG_SIZE_BYTES) return false;
        this.queue.skip(FLV_PREVIOUS_TAG_SIZE_BYTES);
        this.state = { kind: 'tag-header' };
        return true;
      case 'tag-header':
        return this.readTagHeader();
      case 'tag-body': {
        if (this.queue.length < s.size) return false;
        tags.push({ type: s.type, timestamp: s.timestamp, data: this.queue.read(s.size) });
        this.state = { kind: 'previous-tag-size' };
        return true;
      }
      case 'failed':
        return false;
    }
  }

  private readFileHeader(): boolean {
    if (this.queue.length < FLV_HEADER_SIZE) {
      // Fail fast on a wrong signature instead of waiting for 9 bytes.
      for (let i = 0; i < Math.min(3, this.queue.length); i++) this.checkSignatureByte(i);
      return false;
    }
    const h = this.queue.read(FLV_HEADER_SIZE);
    for (let i = 0; i < 3; i++) this.checkSignatureByte(i, h);
    const version = h[3] as number;
    if (version !== 1) throw new FlvDemuxError(`unsupported FLV version ${version}`);
    const flags = h[4] as number;
    this.fileHeader = { version, hasAudio: (flags & 0x04) !== 0, hasVideo: (flags & 0x01) !== 0 };
    const dataOffset = h.readUInt32BE(5);
    if (dataOffset < FLV_HEADER_SIZE || dataOffset - FLV_HEADER_SIZE > MAX_EXTRA_HEADER_BYTES) {
      throw new FlvDemuxError(`FLV header DataOffset ${dataOffset} outside ${FLV_HEADER_SIZE}..${FLV_HEADER_SIZE + MAX_EXTRA_HEADER_BYTES}`);
    }
    this.state = dataOffset > FLV_HEADER_SIZE ? { kind: 'header-extra', left: dataOffset - FLV_HEADER_SIZE } : { kind: 'previous-tag-size' };
    return true;
  }

  private checkSignatureByte(i: number, from?: Buffer): void {
    const byte = from ? from[i] : this.queue.peekU8(i);
    const expected = 'FLV'.charCodeAt(i);
    if (byte !== expected) {
      throw new FlvDemuxError(`not an FLV stream: signature byte ${i} is 0x${(byte ?? 0).toString(16).padStart(2, '0')}, expected '${'FLV'[i]}'`);
    }
  }

  private readTagHeader(): boolean {
    if (this.queue.length < FLV_TAG_HEADER_SIZE) return false;
    const h = this.queue.read(FLV_TAG_HEADER_SIZE);
    const first = h[0] as number;
    if ((first & 0x20) !== 0) {
      throw new FlvDemuxError('encrypted FLV tags (Filter bit set) are not supported');
    }
    const size = h.readUIntBE(1, 3);
    if (size > this.maxTagSize) {
      throw new FlvDemuxError(`FLV tag of ${size} bytes exceeds maxTagSize ${this.maxTagSize}`);
    }
    // Extension byte holds bits 31..24; multiply rather than shift to stay unsigned.
    const timestamp = (h[7] as number) * 0x1000000 + h.readUIntBE(4, 3);
    this.state = { kind: 'tag-body', type: first & 0x1f, timestamp, size };
    return true;
  }
}
