import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { advanceSenderReport, encodeSenderReport, isRtcp, readRtpHeader, readSenderReports, type RtpHeader, type SenderReport } from '@mediaplane/codecs';
import type { Logger } from '@mediaplane/observability';

export interface RtpRelayOptions {
  /** The SSRC the sender (the bridge's FFmpeg) sends with. */
  ssrc: number;
  /** RTP clock of the stream, ticks per ms (90 for video, 48 for Opus). */
  ticksPerMs: number;
  /** The SFU's port for this producer (RTP and RTCP muxed). */
  sfu: { ip: string; port: number };
  log: Logger;
  /** Called with each RTP packet of `ssrc`, after it was passed on. */
  onRtp?: (datagram: Buffer, header: RtpHeader) => void;
  /** Called with each sender report of `ssrc` after it was passed on: the sender's own, or a repeat. */
  onReport?: (report: SenderReport) => void;
}

/**
 * How often the sender's latest report is repeated. mediasoup gives viewers
 * capture times from sender reports only once it has three of a sender (its
 * clock-offset estimate: the median of up to seven); until then it takes each
 * packet's arrival. FFmpeg sends one per 5 s, so the switch came 10–16 s into
 * a bridge run, at different moments for audio and video (each producer has
 * its own transport), and moved each stream's capture times by 150–200 ms.
 * Chromium fits a line through its last 20 reports per stream, so that step
 * in the reports turned into a lip-sync error that grew for ~20 s and held
 * the picture back by 120–190 ms (rtmp-whep bench, 40 s windows). Repeated
 * four times a second, the estimate is ready a moment after FFmpeg starts,
 * before a viewer's first report.
 */
const REPORT_REPEAT_MS = 250;

/**
 * A loopback UDP hop between the bridge's FFmpeg and one SFU plain-RTP
 * producer: FFmpeg sends RTP and RTCP to one port, and both go on to the SFU
 * unchanged, from one socket (the producer's transport muxes them). The
 * sender's latest report is repeated, moved on to the moment it is sent,
 * every REPORT_REPEAT_MS (why: above).
 */
export class RtpRelay {
  private lastReport: { report: SenderReport; at: number } | undefined;
  private readonly repeatTimer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly options: RtpRelayOptions,
    /** Where FFmpeg sends RTP and RTCP. */
    private readonly fromSender: Socket,
    /** Connected to the SFU's port: media out (its RTCP back is not needed). */
    private readonly toSfu: Socket,
  ) {
    fromSender.on('message', (datagram) => this.onSenderDatagram(datagram));
    for (const socket of [fromSender, toSfu]) socket.on('error', (error) => options.log.warn({ err: error.message }, 'bridge RTP relay socket error'));
    this.repeatTimer = setInterval(() => this.repeatReport(), REPORT_REPEAT_MS);
  }

  static async open(options: RtpRelayOptions): Promise<RtpRelay> {
    const fromSender = createSocket('udp4');
    const toSfu = createSocket('udp4');
    try {
      fromSender.bind(0, '127.0.0.1');
      await once(fromSender, 'listening');
      toSfu.connect(options.sfu.port, options.sfu.ip);
      await once(toSfu, 'connect');
    } catch (error) {
      fromSender.close();
      toSfu.close();
      throw error;
    }
    return new RtpRelay(options, fromSender, toSfu);
  }

  /** Where FFmpeg sends this stream's RTP and RTCP: one loopback port. */
  get senderTarget(): { ip: string; port: number; rtcpPort: number } {
    const { address, port } = this.fromSender.address();
    return { ip: address, port, rtcpPort: port };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The sender's latest report moved on to now, or undefined before its first. */
  currentReport(): SenderReport | undefined {
    if (!this.lastReport) return undefined;
    return advanceSenderReport(this.lastReport.report, performance.now() - this.lastReport.at, this.options.ticksPerMs);
  }

  send(datagram: Buffer): void {
    if (this.closed) return;
    this.toSfu.send(datagram, (error) => {
      if (error && !this.closed) this.options.log.debug({ err: error.message }, 'bridge RTP relay send failed');
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.repeatTimer);
    this.fromSender.close();
    this.toSfu.close();
  }

  private onSenderDatagram(datagram: Buffer): void {
    if (this.closed) return;
    if (isRtcp(datagram)) {
      this.send(datagram);
      const report = readSenderReports(datagram).find((r) => r.ssrc === this.options.ssrc);
      if (report) {
        this.lastReport = { report, at: performance.now() };
        this.options.onReport?.(report);
      }
      return;
    }
    const header = readRtpHeader(datagram);
    if (!header || header.ssrc !== this.options.ssrc) return;
    this.send(datagram);
    this.options.onRtp?.(datagram, header);
  }

  private repeatReport(): void {
    const report = this.currentReport();
    if (!report) return;
    this.send(encodeSenderReport(report));
    this.options.onReport?.(report);
  }
}
