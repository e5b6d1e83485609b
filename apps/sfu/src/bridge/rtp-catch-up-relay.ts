import { encodeSenderReport } from '@mediaplane/codecs';
import type { Logger } from '@mediaplane/observability';
import { BytePacer } from './byte-pacer';
import { CatchUpLayer } from './catch-up-layer';
import { RtpRelay } from './rtp-relay';

export interface RtpCatchUpRelayOptions {
  mimeType: string;
  /** The SSRC FFmpeg sends with: the producer's main layer (1). */
  mainSsrc: number;
  /** The producer's catch-up layer (0). */
  catchUpSsrc: number;
  /** The SFU's port for this producer (RTP and RTCP muxed). */
  sfu: { ip: string; port: number };
  log: Logger;
  /** A replay of the cached GOP started for a joining viewer. */
  onReplay?: () => void;
}

/** A cached GOP above this is not replayed (a 10 s GOP at 6 Mb/s fits). */
const MAX_GOP_BYTES = 8 * 1024 * 1024;
/** The replay's pace, as the FLV relay's (flv-catch-up-relay.ts): faster, the SFU's UDP socket overflows. */
const REPLAY_BYTES_PER_MS = 2000;
/** RTP clock of video, ticks per ms. */
const TICKS_PER_MS = 90;

/**
 * Sits between the bridge's FFmpeg and the SFU's video producer, on loopback
 * (an RtpRelay): FFmpeg's RTP and RTCP go on unchanged as the producer's main
 * layer, and a second layer (CatchUpLayer) is made of them, into which the
 * current GOP is replayed at a paced burst for each viewer that connects — so
 * a viewer joining a running bridge gets a decodable picture at once instead
 * of at the source's next keyframe. Each main-layer sender report (FFmpeg's,
 * or the relay's repeat of it) is followed by one for the catch-up layer on
 * the same clock: the SFU needs both to switch a viewer from one layer to the
 * other.
 */
export class RtpCatchUpRelay {
  private readonly layer: CatchUpLayer;
  private pumping = false;
  private replayTimer?: NodeJS.Timeout;
  private relay!: RtpRelay;

  private constructor(private readonly options: RtpCatchUpRelayOptions) {
    this.layer = new CatchUpLayer({ ssrc: options.catchUpSsrc, mimeType: options.mimeType, maxGopBytes: MAX_GOP_BYTES, ticksPerMs: TICKS_PER_MS });
  }

  static async open(options: RtpCatchUpRelayOptions): Promise<RtpCatchUpRelay> {
    const catchUp = new RtpCatchUpRelay(options);
    catchUp.relay = await RtpRelay.open({
      ssrc: options.mainSsrc,
      ticksPerMs: TICKS_PER_MS,
      sfu: options.sfu,
      log: options.log,
      onRtp: (datagram, header) => {
        const copy = catchUp.layer.onLivePacket(datagram, header, performance.now());
        if (copy) catchUp.relay.send(copy);
      },
      // On the very mapping just sent for the main layer, so the SFU sees the two layers on one clock.
      onReport: (report) => catchUp.sendCatchUpReport(report),
    });
    return catchUp;
  }

  /** Where FFmpeg sends this video's RTP and RTCP: one loopback port. */
  get senderTarget(): { ip: string; port: number; rtcpPort: number } {
    return this.relay.senderTarget;
  }

  close(): void {
    clearTimeout(this.replayTimer);
    this.relay.close();
  }

  /**
   * A viewer has just connected (its consumer waits for a keyframe on the
   * catch-up layer): replay the GOP to it. Keyframe requests from the SFU are
   * not answered: a viewer already playing asks after a loss, and a replay then
   * would rewind everyone on the layer (and its burst could cause the next
   * loss); it waits for the live keyframe, as on the main layer.
   */
  replayForJoiner(): void {
    // false: a replay whose keyframe has not left yet, one queued after it, or the next live keyframe serves this joiner.
    if (this.relay.isClosed || !this.layer.requestKeyframe()) return;
    this.options.onReplay?.();
    this.pumpReplay();
  }

  /** Sends the replay frame by frame at the pace, then a sender report for the layer's new timeline. */
  private pumpReplay(): void {
    if (this.pumping) return;
    this.pumping = true;
    const pacer = new BytePacer(REPLAY_BYTES_PER_MS);
    const step = (): void => {
      this.replayTimer = undefined;
      if (this.relay.isClosed) return;
      let delayMs = 0;
      while (delayMs <= 1) {
        const frame = this.layer.nextReplayFrame(performance.now());
        if (!frame) {
          this.pumping = false;
          this.sendCatchUpReport();
          return;
        }
        let bytes = 0;
        for (const packet of frame) {
          this.relay.send(packet);
          bytes += packet.length;
        }
        delayMs = pacer.delayAfter(bytes);
      }
      this.replayTimer = setTimeout(step, delayMs);
    };
    step();
  }

  /**
   * The layer's report on a main-layer mapping; by default FFmpeg's latest moved on to now: after a replay
   * that one can be seconds old, and the SFU takes a report's NTP time against its arrival to estimate the
   * sender's clock — a stale one would read as a clock seconds behind and skew the capture times it gives
   * viewers for lip sync.
   */
  private sendCatchUpReport(main = this.relay.currentReport()): void {
    if (main) this.relay.send(encodeSenderReport(this.layer.senderReport(main)));
  }
}
