import { randomInt } from 'node:crypto';
import { isKeyframeStart, renumberRtp, type RtpHeader, type SenderReport } from '@mediaplane/codecs';

interface CachedPacket {
  packet: Buffer;
  timestamp: number;
  payloadBytes: number;
}

export interface CatchUpLayerOptions {
  /** The layer's own SSRC (simulcast layer 0 of the bridge's video producer). */
  ssrc: number;
  /** The video codec, to find keyframes in RTP payloads. */
  mimeType: string;
  /** A GOP larger than this is not kept: joiners wait for the next keyframe then. */
  maxGopBytes: number;
  /** RTP clock ticks per millisecond (90 for video). */
  ticksPerMs: number;
}

/**
 * Layer 0 of a bridge's video: the live stream renumbered (its own SSRC,
 * sequence and timestamps), into which the current GOP is replayed whenever a
 * viewer on it asks for a keyframe.
 *
 * Why: a passthrough bridge cannot make a keyframe (FFmpeg copies the
 * source's and ignores PLI), so a viewer joining a running bridge waited for
 * the source's next one — up to a whole GOP (measured: 872/1874 ms p50/p95 with
 * a 2 s GOP). Viewers start on this layer, get the cached GOP at once (from its
 * keyframe up to live, timestamps squeezed to the pace it is sent at, so the
 * browser shows them straight away and its jitter buffer sees no jump), and
 * move to the main layer at its next keyframe (the SFU's simulcast switch,
 * which keeps their sequence and timestamps continuous). Viewers already on the
 * main layer never see a replay; one still on this layer sees a short rewind.
 *
 * Pure logic: the relay (rtp-catch-up-relay.ts) owns the sockets and the pace.
 */
export class CatchUpLayer {
  /** Packets of the main layer from the last keyframe on, with what the replay needs of their headers. */
  private gop: CachedPacket[] = [];
  private gopBytes = 0;
  private gopTimestamp: number | undefined;
  /** Bumped whenever the GOP is replaced or dropped, so a running replay knows to start over. */
  private generation = 0;
  private sequence = randomInt(0, 0x10000);
  /** This layer's timestamp = the main layer's + offset (mod 2^32); it grows at each replay. */
  private offset = randomInt(0, 0x7fffffff);
  private lastTimestamp: number | undefined;
  private lastSentAtMs = 0;
  private replay: { generation: number; cursor: number } | undefined;
  /** A keyframe was asked for after the running replay's keyframe had left: replay again after it. */
  private askedAgain = false;
  private packets = 0;
  private octets = 0;

  constructor(private readonly options: CatchUpLayerOptions) {}

  get replaying(): boolean {
    return this.replay !== undefined;
  }

  /** Bytes of the cached GOP (0 when there is none to replay). */
  get cachedBytes(): number {
    return this.gopBytes;
  }

  /**
   * A live packet of the main layer: kept for replays, and returned renumbered
   * for this layer, unless a replay is running (it sends the packet in turn).
   */
  onLivePacket(packet: Buffer, header: RtpHeader, nowMs: number): Buffer | undefined {
    this.cache(packet, header);
    if (this.replay && this.gopTimestamp !== undefined) return undefined;
    this.replay = undefined;
    return this.send(packet, header.payloadEnd - header.payloadOffset, (header.timestamp + this.offset) >>> 0, nowMs);
  }

  /** A viewer on this layer needs a keyframe: true when a replay starts (the caller then pulls its frames). */
  requestKeyframe(): boolean {
    if (this.gopTimestamp === undefined) return false; // nothing cached: the next live keyframe reaches it
    if (this.replay) {
      if (this.replay.cursor > 0) this.askedAgain = true;
      return false;
    }
    this.replay = { generation: this.generation, cursor: 0 };
    return true;
  }

  /**
   * The next frame of the running replay, renumbered and stamped `nowMs`, or
   * undefined once the replay has caught up with live (it then ends, or starts
   * over for a viewer who asked meanwhile).
   */
  nextReplayFrame(nowMs: number): Buffer[] | undefined {
    const replay = this.replay;
    if (!replay) return undefined;
    if (replay.generation !== this.generation) {
      // A new keyframe replaced the GOP (or it was dropped): go on from the new keyframe.
      replay.generation = this.generation;
      replay.cursor = 0;
    }
    if (replay.cursor >= this.gop.length) {
      this.replay = undefined;
      if (this.askedAgain) {
        this.askedAgain = false;
        if (this.requestKeyframe()) return this.nextReplayFrame(nowMs);
      }
      return undefined;
    }
    const frameTimestamp = this.gop[replay.cursor]!.timestamp;
    const timestamp = this.nextTimestamp(nowMs);
    // Live packets of this frame (and later ones) continue from here.
    this.offset = (timestamp - frameTimestamp) >>> 0;
    const out: Buffer[] = [];
    while (replay.cursor < this.gop.length && this.gop[replay.cursor]!.timestamp === frameTimestamp) {
      const cached = this.gop[replay.cursor]!;
      out.push(this.send(cached.packet, cached.payloadBytes, timestamp, nowMs));
      replay.cursor++;
    }
    return out;
  }

  /** This layer's sender report for the main layer's: the same instant, on this layer's timeline. */
  senderReport(main: SenderReport): SenderReport {
    return {
      ...main,
      ssrc: this.options.ssrc,
      rtpTimestamp: (main.rtpTimestamp + this.offset) >>> 0,
      packetCount: this.packets >>> 0,
      octetCount: this.octets >>> 0,
    };
  }

  private cache(packet: Buffer, header: RtpHeader): void {
    const payload = packet.subarray(header.payloadOffset, header.payloadEnd);
    if (header.timestamp !== this.gopTimestamp && isKeyframeStart(this.options.mimeType, payload)) {
      this.gop = [];
      this.gopBytes = 0;
      this.gopTimestamp = header.timestamp;
      this.generation++;
    }
    if (this.gopTimestamp === undefined) return;
    if (this.gopBytes + packet.length > this.options.maxGopBytes) {
      this.gop = [];
      this.gopBytes = 0;
      this.gopTimestamp = undefined;
      this.generation++;
      return;
    }
    this.gop.push({ packet, timestamp: header.timestamp, payloadBytes: header.payloadEnd - header.payloadOffset });
    this.gopBytes += packet.length;
  }

  /**
   * A replayed frame's timestamp: after the last one sent on this layer, by the
   * wall time since (at least one tick), so frames sent in a burst carry
   * timestamps as close as their arrival and the viewer's jitter estimate does
   * not jump.
   */
  private nextTimestamp(nowMs: number): number {
    if (this.lastTimestamp === undefined) return this.offset;
    const ticks = Math.max(1, Math.round((nowMs - this.lastSentAtMs) * this.options.ticksPerMs));
    return (this.lastTimestamp + ticks) >>> 0;
  }

  private send(packet: Buffer, payloadBytes: number, timestamp: number, nowMs: number): Buffer {
    this.sequence = (this.sequence + 1) & 0xffff;
    this.lastTimestamp = timestamp;
    this.lastSentAtMs = nowMs;
    this.packets++;
    this.octets += payloadBytes;
    return renumberRtp(packet, this.options.ssrc, this.sequence, timestamp);
  }
}
