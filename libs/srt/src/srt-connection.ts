import { EventEmitter } from 'node:events';
import type { SrtLinkStats } from '@mediaplane/contracts';
import type { NativeServerHandle } from './srt-addon';
import { toSrtLinkStats } from './srt-link-stats';

export interface SrtConnectionEvents {
  /** Received media: whole SRT messages (MPEG-TS from encoders), several per chunk. */
  data: [chunk: Buffer];
  /** The connection is gone: 'closed locally', 'server closed', 'connection broken (peer closed or timed out)', … */
  close: [reason: string];
}

/** Sent and received byte counts of a connection, beside its link statistics. */
export interface SrtTrafficStats {
  bytesReceived: number;
  bytesSent: number;
  packetsSent: number;
  sendRateKbps: number;
}

/**
 * One accepted SRT connection (live mode) of an SrtServer. Created by the server and
 * handed out through its 'connection' event; its bytes come from the server's I/O thread.
 */
export class SrtConnection extends EventEmitter<SrtConnectionEvents> {
  private closed = false;
  private closeEmitted = false;

  /** @internal created by SrtServer */
  constructor(
    private readonly handle: NativeServerHandle,
    /** libsrt's socket id: unique among the open connections of this process. */
    readonly id: number,
    /** The caller's raw SRT streamid (access-control string), as it sent it. */
    readonly streamId: string,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends media without blocking, in live-mode messages of at most 1316 bytes (7 TS packets):
   * pass multiples of 188 bytes. False when libsrt's send buffer is full (the player cannot keep
   * up: drop it) or the connection is gone; part of the chunk may have been sent.
   */
  write(chunk: Buffer): boolean {
    if (this.closed) return false;
    return this.handle.write(this.id, chunk) === 1;
  }

  /** Link statistics now (srt_bstats); zeros once the connection is gone. */
  stats(): SrtLinkStats {
    const raw = this.closed ? undefined : this.handle.stats(this.id);
    if (!raw)
      return {
        rttMs: 0,
        bandwidthKbps: 0,
        receiveRateKbps: 0,
        packetsReceived: 0,
        packetsLost: 0,
        packetsRetransmitted: 0,
        packetsDropped: 0,
        receiveBufferMs: 0,
        latencyMs: 0,
      };
    return toSrtLinkStats(raw);
  }

  /** Byte and send counters (srt_bstats), for metrics beside the link statistics. */
  trafficStats(): SrtTrafficStats {
    const raw = this.closed ? undefined : this.handle.stats(this.id);
    if (!raw) return { bytesReceived: 0, bytesSent: 0, packetsSent: 0, sendRateKbps: 0 };
    return {
      bytesReceived: raw.byteRecvTotal,
      bytesSent: raw.byteSentTotal,
      packetsSent: raw.pktSentTotal,
      sendRateKbps: Math.max(0, raw.mbpsSendRate * 1000),
    };
  }

  /** Closes the connection (on the server's I/O thread); 'close' follows with reason 'closed locally'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.closeConnection(this.id);
  }

  /** @internal the server's I/O thread delivered data for this connection. */
  onNativeData(chunk: Buffer): void {
    if (!this.closed) this.emit('data', chunk);
  }

  /** @internal the server's I/O thread closed this connection. */
  onNativeClose(reason: string): void {
    this.closed = true;
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', reason);
  }
}
