import { SCRCPY_CODEC_H264, SCRCPY_CODEC_RAW_AUDIO } from './scrcpy-protocol';

/** Something in a scrcpy socket that the pinned protocol does not allow; the run is ended, never guessed on. */
export class ScrcpyProtocolError extends Error {
  override readonly name = 'ScrcpyProtocolError';
}

export interface ScrcpyStreamMeta {
  /** The device's name (only on a run's first socket). */
  deviceName?: string;
  /** Codec id; 0 for an audio stream the device disabled (no audio capture before Android 11, or it failed). */
  codec: number;
  /** Video only. */
  width?: number;
  height?: number;
}

export interface ScrcpyPacket {
  /** A config packet: the codec's parameter sets (H.264: SPS and PPS, Annex B). */
  config: boolean;
  keyFrame: boolean;
  /** Presentation time in µs from the encoder's start; undefined for config packets. */
  ptsUs?: number;
  data: Buffer;
}

export interface ScrcpyStreamDemuxerOptions {
  kind: 'video' | 'audio';
  /** A run's first socket begins with the dummy byte and the 64-byte device name. */
  firstSocket: boolean;
  onPacket: (packet: ScrcpyPacket) => void;
  onMeta?: (meta: ScrcpyStreamMeta) => void;
  /** Largest packet accepted (a 4K keyframe at high bit rate stays well below the 8 MiB default). */
  maxPacketBytes?: number;
}

const DEVICE_NAME_BYTES = 64;
const FRAME_META_BYTES = 12;
const FLAG_CONFIG = 1n << 63n;
const FLAG_KEY_FRAME = 1n << 62n;
const PTS_MASK = FLAG_KEY_FRAME - 1n;
/** Codec ids the server writes instead of a codec when it disables the stream (0) or failed to configure it (1). */
const STREAM_DISABLED = 0;
const STREAM_CONFIG_ERROR = 1;

type State = 'dummy' | 'device' | 'codec' | 'frame' | 'payload' | 'disabled';

/**
 * One socket of scrcpy-server, byte by byte as it arrives in chunks of any
 * size: on the first socket the dummy byte and the 64-byte device name; then
 * the codec meta (video: codec, width, height; audio: codec), then packets —
 * a 12-byte frame meta (u64 pts with the config and key-frame flags, u32
 * size) and the payload. Video must be H.264 and audio raw PCM; sizes are
 * bounded, so a broken or hostile device costs at most one packet's worth of
 * memory before the run is refused.
 */
export class ScrcpyStreamDemuxer {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private state: State;
  private packetHead?: { config: boolean; keyFrame: boolean; ptsUs?: number; size: number };
  private failed?: ScrcpyProtocolError;
  private readonly maxPacketBytes: number;
  private deviceName?: string;
  meta?: ScrcpyStreamMeta;

  constructor(private readonly options: ScrcpyStreamDemuxerOptions) {
    this.state = options.firstSocket ? 'dummy' : 'codec';
    this.maxPacketBytes = options.maxPacketBytes ?? 8 * 1024 * 1024;
  }

  /** Consumes a chunk; throws ScrcpyProtocolError (and keeps throwing it) once the stream broke the protocol. */
  push(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    if (chunk.length) {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
    try {
      while (this.step());
    } catch (error) {
      this.failed = error as ScrcpyProtocolError;
      this.queue.length = 0;
      this.queued = 0;
      throw error;
    }
  }

  /** Advances one state when enough bytes are there; false when waiting for more. */
  private step(): boolean {
    switch (this.state) {
      case 'dummy': {
        const b = this.take(1);
        if (!b) return false;
        if (b[0] !== 0) throw new ScrcpyProtocolError(`expected the dummy byte 0x00, got 0x${(b[0] as number).toString(16)}`);
        this.state = 'device';
        return true;
      }
      case 'device': {
        const b = this.take(DEVICE_NAME_BYTES);
        if (!b) return false;
        const end = b.indexOf(0);
        this.deviceName = b.subarray(0, end < 0 ? b.length : end).toString('utf8');
        this.state = 'codec';
        return true;
      }
      case 'codec':
        return this.options.kind === 'video' ? this.videoCodecMeta() : this.audioCodecMeta();
      case 'frame': {
        const b = this.take(FRAME_META_BYTES);
        if (!b) return false;
        const flags = b.readBigUInt64BE(0);
        const size = b.readUInt32BE(8);
        if (size === 0 || size > this.maxPacketBytes)
          throw new ScrcpyProtocolError(`${this.options.kind} packet of ${size} bytes (limit ${this.maxPacketBytes})`);
        const config = (flags & FLAG_CONFIG) !== 0n;
        this.packetHead = config
          ? { config, keyFrame: false, size }
          : { config, keyFrame: (flags & FLAG_KEY_FRAME) !== 0n, ptsUs: Number(flags & PTS_MASK), size };
        this.state = 'payload';
        return true;
      }
      case 'payload': {
        const head = this.packetHead as NonNullable<ScrcpyStreamDemuxer['packetHead']>;
        const data = this.take(head.size);
        if (!data) return false;
        this.state = 'frame';
        this.packetHead = undefined;
        this.options.onPacket({ config: head.config, keyFrame: head.keyFrame, ptsUs: head.ptsUs, data });
        return true;
      }
      case 'disabled':
        if (this.queued > 0) throw new ScrcpyProtocolError(`bytes after the device disabled the ${this.options.kind} stream`);
        return false;
    }
  }

  private videoCodecMeta(): boolean {
    const b = this.take(12);
    if (!b) return false;
    const codec = this.checkCodec(b.readUInt32BE(0), SCRCPY_CODEC_H264, 'H.264');
    const width = b.readUInt32BE(4);
    const height = b.readUInt32BE(8);
    if (width < 1 || height < 1 || width > 16384 || height > 16384) throw new ScrcpyProtocolError(`video size ${width}x${height} is out of range`);
    this.setMeta({ deviceName: this.deviceName, codec, width, height }, 'frame');
    return true;
  }

  private audioCodecMeta(): boolean {
    const b = this.take(4);
    if (!b) return false;
    const id = b.readUInt32BE(0);
    // No audio is not an error: the run goes on with video only.
    if (id === STREAM_DISABLED) this.setMeta({ deviceName: this.deviceName, codec: 0 }, 'disabled');
    else this.setMeta({ deviceName: this.deviceName, codec: this.checkCodec(id, SCRCPY_CODEC_RAW_AUDIO, 'raw PCM') }, 'frame');
    return true;
  }

  private checkCodec(id: number, expected: number, what: string): number {
    if (id === STREAM_DISABLED) throw new ScrcpyProtocolError(`the server disabled the ${this.options.kind} stream`);
    if (id === STREAM_CONFIG_ERROR) throw new ScrcpyProtocolError(`the server could not configure the ${this.options.kind} stream`);
    if (id !== expected) throw new ScrcpyProtocolError(`${this.options.kind} codec 0x${id.toString(16)} is not ${what}`);
    return id;
  }

  private setMeta(meta: ScrcpyStreamMeta, next: State): void {
    this.meta = meta;
    this.state = next;
    this.options.onMeta?.(meta);
  }

  /** Exactly n bytes off the front of the queue, or undefined (nothing taken) when fewer are there. */
  private take(n: number): Buffer | undefined {
    if (this.queued < n) return undefined;
    this.queued -= n;
    const first = this.queue[0] as Buffer;
    if (first.length >= n) {
      if (first.length === n) this.queue.shift();
      else this.queue[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.queue[0] as Buffer;
      const part = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, part);
      filled += part;
      if (part === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(part);
    }
    return out;
  }
}
