import { epochMsFromNtp, ntpFromEpochMs } from '@mediaplane/media-io/werift';

/**
 * When a publisher captured what it sends, from its Sender Reports, so the
 * SFU's own Sender Reports to viewers carry the same audio/video timing
 * (viewers lip-sync by them, and hold a stream back by any skew they show).
 * Timing the reports by when the SFU forwarded a packet instead adds the
 * difference between the publisher's audio and video pipelines to the
 * viewer's video delay.
 *
 * One PublisherClock per publishing peer: it moves the publisher's NTP clock
 * onto ours with a single offset, fixed at its first report, so all its
 * streams stay consistent with each other.
 */
export class PublisherClock {
  private offsetMs: number | undefined;

  /** A time of the publisher's clock (ms since the Unix epoch) in ours. */
  toLocalMs(publisherMs: number): number {
    this.offsetMs ??= Date.now() - publisherMs;
    return publisherMs + this.offsetMs;
  }

  /** The capture clock of one of the publisher's streams (one SSRC). */
  stream(clockRate: number): StreamCaptureClock {
    return new StreamCaptureClock(this, clockRate);
  }
}

export class StreamCaptureClock {
  /** The latest Sender Report: its RTP timestamp and the publisher's time for it, ms. */
  private report: { rtpTimestamp: number; ms: number } | undefined;

  constructor(
    private readonly publisher: PublisherClock,
    private readonly clockRate: number,
  ) {}

  onSenderReport(ntpTimestamp: bigint, rtpTimestamp: number): void {
    // A sender that has no clock yet reports 0 (werift before its first packet): it would anchor the offset on 1900.
    if (ntpTimestamp === 0n) return;
    const ms = epochMsFromNtp(ntpTimestamp);
    // Anchor the publisher's clock on ours now, at the report's arrival.
    this.publisher.toLocalMs(ms);
    this.report = { rtpTimestamp, ms };
  }

  /** Capture time of the packet with this RTP timestamp, as NTP in our clock; undefined before the first report. */
  captureNtp(rtpTimestamp: number): bigint | undefined {
    if (!this.report) return undefined;
    // Signed 32-bit distance, so timestamps that wrapped around 2^32 still compare.
    const ticks = (rtpTimestamp - this.report.rtpTimestamp) | 0;
    return ntpFromEpochMs(this.publisher.toLocalMs(this.report.ms + (ticks * 1000) / this.clockRate));
  }
}
